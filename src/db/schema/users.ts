import { sql } from "drizzle-orm";
import { index, sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    /** A confirmed TOTP enrollment (docs/lifecycle-and-mfa.md): sign-in then needs a code. */
    mfaEnabled: integer("mfa_enabled", { mode: "boolean" }).notNull().default(false),
    /** The TOTP secret, sealed (services/mfa/totp.ts); set by enrolling, kept while enabled. */
    totpSecret: text("totp_secret"),
    /** The last TOTP time step a code was accepted for: a code is accepted only for a later one. */
    totpLastStep: integer("totp_last_step"),
    /** JSON array of the unused recovery codes' SHA-256 hex digests (never the codes). */
    recoveryCodes: text("recovery_codes"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("users_email_idx").on(t.email),
    // The TOTP key rotation's ranges (migrations/0014, services/mfa/secret-key-rotation.ts).
    index("users_totp_secret_idx").on(t.totpSecret).where(sql`${t.totpSecret} IS NOT NULL`),
  ],
);
