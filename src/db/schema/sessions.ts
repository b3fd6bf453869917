import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations";
import { users } from "./users";

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    /** SHA-256 of the token; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activeOrganizationId: text("active_organization_id").references(() => organizations.id, { onDelete: "set null" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** Written after the response, at most once a minute per isolate (like API keys). */
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    /** The User-Agent that created the session (control characters removed, 256 chars at most). */
    userAgent: text("user_agent"),
    /** Created with a second factor (sign-in with a TOTP or recovery code). */
    mfa: integer("mfa", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("sessions_token_hash_idx").on(t.tokenHash),
    // A user's sessions list, newest first, in keyset order (no sort).
    index("sessions_user_id_id_idx").on(t.userId, t.id),
    index("sessions_active_organization_id_idx").on(t.activeOrganizationId),
  ],
);
