import { sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Always stored lower-cased and trimmed: emails compare case-insensitively. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    /** Platform staff. Granted only by `npm run superadmin`, never through the HTTP API. */
    isSuperAdmin: integer("is_super_admin", { mode: "boolean" }).notNull().default(false),
    /**
     * Whether the owner of `email` has proved it (a verification, reset or invitation link). An
     * address nobody has proved unlocks nothing addressed to it.
     */
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    emailVerifiedAt: integer("email_verified_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("users_email_idx").on(t.email)],
);
