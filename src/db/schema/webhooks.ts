import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * An organization's webhook endpoints. No foreign key to organizations on purpose: deleting an
 * organization disables its endpoints (disabled_reason `organization_deleted`) so that its
 * `organization.deleted` event still reaches them; the Cron Trigger removes them afterwards.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** JSON array of event types and `prefix.*` patterns; `["*"]` is every type. */
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    disabledReason: text("disabled_reason"),
    /** The signing secret, AES-GCM encrypted under WEBHOOK_SECRET_KEY (never stored in clear). */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** After a rotation, the old secret still signs until `previous_secret_expires_at` (24 h). */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: integer("previous_secret_expires_at", { mode: "timestamp_ms" }),
    /** Failed attempts in a row, and when that streak began: the disable rule reads both. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    failingSince: integer("failing_since", { mode: "timestamp_ms" }),
    /**
     * The user whose session created it (null when an API key did, or for endpoints older than
     * migrations/0006 whose creation event was gone): what a password reset takes back from an
     * account that was unverified until then.
     */
    createdByUserId: text("created_by_user_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("webhook_endpoints_organization_id_id_idx").on(t.organizationId, t.id),
    index("webhook_endpoints_created_by_user_id_idx").on(t.createdByUserId),
  ],
);

/** One row per (event, endpoint): the unique index makes a redelivered fan-out a no-op. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    organizationId: text("organization_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastAttemptAt: integer("last_attempt_at", { mode: "timestamp_ms" }),
    /** When the next automatic attempt is due; null when none is scheduled. */
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }),
    responseStatus: integer("response_status"),
    /** The first 1 KiB of the receiver's answer (or the network error). */
    responseBody: text("response_body"),
    durationMs: integer("duration_ms"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_id_endpoint_id_idx").on(t.eventId, t.endpointId),
    index("webhook_deliveries_endpoint_id_id_idx").on(t.endpointId, t.id),
  ],
);
