import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./users";

export const EMAIL_TOKEN_KINDS = ["verify_email", "reset_password"] as const;
export type EmailTokenKind = (typeof EMAIL_TOKEN_KINDS)[number];

/**
 * Single-use tokens sent by email to prove a mailbox: email verification (24 h) and password reset
 * (1 h). Only SHA-256 of the token is stored. `claim` is a random value written by the statement
 * that uses the token; the rest of that batch runs only if the claim is its own, so two concurrent
 * uses cannot both succeed.
 */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: EMAIL_TOKEN_KINDS }).notNull(),
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The address the link was sent to: the token proves this mailbox, not whatever the user has now. */
    email: text("email").notNull(),
    /** The queue message's email id (idempotency key of the send). */
    emailId: text("email_id").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    claim: text("claim"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("email_tokens_token_hash_idx").on(t.tokenHash),
    index("email_tokens_user_id_kind_idx").on(t.userId, t.kind),
    index("email_tokens_email_id_idx").on(t.emailId),
  ],
);
