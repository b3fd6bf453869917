import { eq } from "drizzle-orm";
import { invitations, organizations, type InvitationStatus } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { parseToken, sha256Hex } from "../../lib/tokens";
import type { OrganizationRecord } from "../../domain/records";
import { roleIn } from "../permissions/role-in";
import { isoTime, roleRefView } from "../record-views";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type InvitationRow = typeof invitations.$inferSelect;

/** The status a client sees: a pending invitation past its expiry reads as expired. */
export function effectiveStatus(row: Pick<InvitationRow, "status" | "expiresAt">, now = Date.now()): InvitationStatus {
  return row.status === "pending" && row.expiresAt.getTime() <= now ? "expired" : row.status;
}

export function invitationView(row: InvitationRow, organization: OrganizationRecord) {
  return {
    id: row.id,
    email: row.email,
    role: roleRefView(roleIn(organization, row.roleKey)),
    status: effectiveStatus(row),
    invitedBy: { type: row.inviterType, id: row.inviterId, name: row.inviterName },
    expiresAt: isoTime(row.expiresAt),
    createdAt: isoTime(row.createdAt),
    acceptedAt: row.acceptedAt ? isoTime(row.acceptedAt) : null,
    deliveryStatus: row.deliveryStatus,
  };
}

/**
 * The invitation a link token points to, with its organization. A token of the wrong shape is a
 * 404 without any D1 read; so is one that matches nothing (never issued, or replaced by a resend).
 */
export async function findByToken(ctx: RequestContext, token: string) {
  if (parseToken(token) !== "invitation") throw notFound("Invitation");
  const row = await ctx.db
    .select({ invitation: invitations, organization: organizations })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .where(eq(invitations.tokenHash, await sha256Hex(token)))
    .get();
  if (!row) throw notFound("Invitation");
  return row;
}

/** Accept and decline need a live invitation: used or revoked → 404, expired → 410. */
export function assertActionable(row: InvitationRow) {
  const status = effectiveStatus(row);
  if (status === "expired") throw new ApiError("invitation_expired", "This invitation has expired. Ask for a new one.");
  if (status !== "pending") throw notFound("Invitation");
}
