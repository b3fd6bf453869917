import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * The first step of a sign-in with MFA (POST /api/auth/sign-in answered `mfaRequired`): the
 * password was right, a code is still to come. Only SHA-256 of the `mfa_…` token is stored; it lives
 * 5 minutes, is consumed by the statement that signs in, and dies after 5 wrong codes.
 */
export const mfaChallenges = sqliteTable(
  "mfa_challenges",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    failedAttempts: integer("failed_attempts").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("mfa_challenges_user_id_idx").on(t.userId)],
);
