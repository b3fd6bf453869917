import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

export const organizations = sqliteTable("organizations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  logo: text("logo"),
  timezone: text("timezone").notNull().default("UTC"),
  /** Sessions of users without MFA get 403 mfa_required on this organization's routes. */
  requireMfa: integer("require_mfa", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  // Denormalised counts, kept by triggers inside the statements that write members, api_keys and
  // invitations (migrations/0004, 0013): no read ever counts a whole organization. Never set by code.
  memberCount: integer("member_count").notNull().default(0),
  apiKeyCount: integer("api_key_count").notNull().default(0),
  /** Rows with status 'pending', expired-but-unswept ones included until sweepExpiredInvitations runs. */
  pendingInvitationCount: integer("pending_invitation_count").notNull().default(0),
  /** Every invitation row, whatever its status: chooses how an invitation search runs (migrations/0013). */
  invitationCount: integer("invitation_count").notNull().default(0),
});
