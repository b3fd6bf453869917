import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations";

import { DELIVERY_STATUSES, INVITATION_STATUSES } from "../../domain/invitation-statuses";

export type { DeliveryStatus, InvitationStatus } from "../../domain/invitation-statuses";

export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Lower-cased and trimmed. */
    email: text("email").notNull(),
    /** Lower-cased role name, as for members (shadowing applies). */
    roleKey: text("role_key").notNull(),
    /** `pending` past `expires_at` reads as `expired`; it is stored as such once superseded. */
    status: text("status", { enum: INVITATION_STATUSES }).notNull().default("pending"),
    /** SHA-256 of the link token (≥256 bits, separate from the id). Replaced on resend. */
    tokenHash: text("token_hash").notNull(),
    inviterType: text("inviter_type", { enum: ["user", "api_key"] }).notNull(),
    inviterId: text("inviter_id").notNull(),
    /** The inviter's name when they invited (the person or key may be gone later). */
    inviterName: text("inviter_name").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    acceptedAt: integer("accepted_at", { mode: "timestamp_ms" }),
    /** The membership the accept created: what makes concurrent accepts create exactly one. */
    acceptedMemberId: text("accepted_member_id"),
    /** The current email's id: the queue message carries it and providers use it as idempotency key. */
    emailId: text("email_id").notNull(),
    deliveryStatus: text("delivery_status", { enum: DELIVERY_STATUSES }).notNull().default("queued"),
    deliveryError: text("delivery_error"),
  },
  (t) => [
    uniqueIndex("invitations_token_hash_idx").on(t.tokenHash),
    index("invitations_organization_id_id_idx").on(t.organizationId, t.id),
    // An organization's invitations in rowid order (an index's entries end with the rowid): the walk
    // of a small organization's search (migrations/0013, services/invitations/list.ts).
    index("invitations_organization_id_rowid_idx").on(t.organizationId),
    index("invitations_organization_id_role_key_idx").on(t.organizationId, t.roleKey),
    // A user's pending invitations in keyset order (GET /api/invitations); also every lookup by email.
    index("invitations_email_status_id_idx").on(t.email, t.status, t.id),
    // Status filter in keyset order: a page never sorts the organization's invitations.
    index("invitations_organization_id_status_id_idx").on(t.organizationId, t.status, t.id),
    // The email consumer records delivery by email id.
    index("invitations_email_id_idx").on(t.emailId),
    // The sweep that marks expired pending invitations 'expired' (sweepExpiredInvitations).
    index("invitations_status_expires_at_idx").on(t.status, t.expiresAt),
    // What a user invited (a password reset takes back an unverified account's pending invitations).
    index("invitations_inviter_id_idx").on(t.inviterId),
    // At most one pending invitation per email per organization, enforced by the database.
    uniqueIndex("invitations_organization_id_email_pending_idx").on(t.organizationId, t.email).where(sql`status = 'pending'`),
  ],
);
