import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";

/**
 * The first response to a request sent with an `Idempotency-Key`, kept 24 h, scoped to the
 * organization and the credential's principal (a user or an API key). The key itself is stored only
 * as SHA-256, and the response body only encrypted under a key derived from the Idempotency-Key
 * (src/services/idempotency/records.ts): a new API key's secret in a stored response is unreadable
 * without the client's own key.
 */
export const idempotencyRecords = sqliteTable(
  "idempotency_records",
  {
    organizationId: text("organization_id").notNull(),
    principalId: text("principal_id").notNull(),
    keyHash: text("key_hash").notNull(),
    /** SHA-256 of method, path and body: the same key with another request is a 422. */
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_progress", "completed"] }).notNull(),
    responseStatus: integer("response_status"),
    responseContentType: text("response_content_type"),
    /** base64(iv ‖ AES-GCM ciphertext) of the response body. */
    responseBody: text("response_body"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.principalId, t.keyHash] }),
    index("idempotency_records_expires_at_idx").on(t.expiresAt),
  ],
);
