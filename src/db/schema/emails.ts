import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

/**
 * One row per email actually handed to a provider, keyed by the email id the queue message
 * carries: a redelivered message finds its row and is not sent again.
 */
export const emailDeliveries = sqliteTable("email_deliveries", {
  emailId: text("email_id").primaryKey(),
  provider: text("provider").notNull(),
  providerMessageId: text("provider_message_id"),
  sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
});

/** The `outbox` provider's mailbox (local development): readable at GET /api/dev/outbox. */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("email_outbox_to_id_idx").on(t.to, t.id)],
);
