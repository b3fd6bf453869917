import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations";
import { RATE_LIMIT_TIERS } from "../../domain/rate-limits";

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Lower-cased role name, as for members (shadowing applies to keys too). */
    roleKey: text("role_key").notNull(),
    /** SHA-256 of the secret; the secret is shown once at creation and never stored. */
    keyHash: text("key_hash").notNull(),
    /** First characters of the secret, for display. */
    start: text("start").notNull(),
    /** The user whose session created it (null when an API key did): see webhook_endpoints' column. */
    createdByUserId: text("created_by_user_id"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** Traffic tier (domain/rate-limits.ts): which Rate Limiting binding counts this key's requests. */
    rateLimit: text("rate_limit", { enum: RATE_LIMIT_TIERS }).notNull().default("standard"),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_idx").on(t.keyHash),
    index("api_keys_organization_id_id_idx").on(t.organizationId, t.id),
    index("api_keys_organization_id_role_key_idx").on(t.organizationId, t.roleKey),
    index("api_keys_created_by_user_id_idx").on(t.createdByUserId),
  ],
);
