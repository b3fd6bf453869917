import { and, eq, lte, sql } from "drizzle-orm";
import { invitations, members, organizations, users } from "../../db/schema";
import { findInOrg, insertRowWhere, isRoleNotFound, isUniqueViolation } from "../../db/tenant-rows";
import type { RequestContext } from "../../context";
import { appUrl } from "../../lib/app-url";
import { ApiError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { mintToken, sha256Hex } from "../../lib/tokens";
import { enforceRateLimit } from "../auth/rate-limit";
import { callerOf, freshScope, requirePermission, requireVerifiedEmailToArm } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import { normalizeEmail } from "../auth/sessions";
import { assertCanGrant } from "../permissions/escalation";
import { findAssignableRole, unknownRole } from "../permissions/roles-in-org";
import { permissionCatalog } from "../../domain/permissions";
import type { InvitationEmailMessage } from "../emails/messages";
import { INVITATION_TTL_MS, invitationView, type InvitationRow } from "./internal";
import { previousStatementChanged } from "../events/recorder";
import { changedFields } from "../record-views";

// The list lives in ./list.ts (raw prepared statements, FTS search); re-exported for the routes.
export { listInvitations } from "./list";

function inviter(ctx: RequestContext) {
  const principal = callerOf(ctx);
  return principal.kind === "session"
    ? { inviterType: "user" as const, inviterId: principal.user.id, inviterName: principal.user.name }
    : { inviterType: "api_key" as const, inviterId: principal.keyId, inviterName: principal.keyName };
}

/** Queues the email; if the queue refuses, the invitation records it and the client can resend. */
async function enqueueEmail(ctx: RequestContext, row: InvitationRow, token: string): Promise<InvitationRow> {
  const message: InvitationEmailMessage = { type: "invitation", emailId: row.emailId, invitationId: row.id, token, appUrl: appUrl(ctx) };
  try {
    await ctx.env.EMAILS.send(message, { contentType: "json" });
    return row;
  } catch (error) {
    ctx.log.error("email_enqueue_failed", { invitationId: row.id, error: String(error) });
    await ctx.db
      .update(invitations)
      .set({ deliveryStatus: "failed", deliveryError: "Could not queue the email." })
      .where(and(eq(invitations.id, row.id), eq(invitations.emailId, row.emailId)))
      .run();
    return { ...row, deliveryStatus: "failed", deliveryError: "Could not queue the email." };
  }
}

export async function createInvitation({ ctx, input }: { ctx: RequestContext; input: { email: string; role: string } }) {
  const scope = await freshScope(ctx, requirePermission(ctx, "users.invite"));
  await requireVerifiedEmailToArm(ctx);
  const { key: roleKey, role } = findAssignableRole(scope.organization, input.role, permissionCatalog(ctx.env));
  assertCanGrant(scope, role.permissions);
  await enforceRateLimit(ctx.env.RATE_LIMIT_ORG, `invite:${scope.organization.id}`);

  const email = normalizeEmail(input.email);
  const organizationId = scope.organization.id;
  const existingMember = await ctx.db
    .select({ id: members.id })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(and(eq(members.organizationId, organizationId), eq(users.email, email)))
    .get();
  if (existingMember) throw new ApiError("already_member", `${email} is already a member of this organization.`);

  const now = new Date();
  const token = mintToken("invitation");
  const row: InvitationRow = {
    id: newId("inv"),
    organizationId,
    email,
    roleKey,
    status: "pending",
    tokenHash: await sha256Hex(token),
    ...inviter(ctx),
    expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
    createdAt: now,
    acceptedAt: null,
    acceptedMemberId: null,
    emailId: newId("eml"),
    deliveryStatus: "queued",
    deliveryError: null,
  };
  // Every statement is guarded on the caller still standing where its checks were made.
  const standing = callerStanding(ctx, scope, { verifiedEmail: true });
  let inserted: { id: string }[];
  try {
    [, inserted] = await ctx.db.batch([
      // An expired pending invitation to the same address gives way to the new one.
      ctx.db
        .update(invitations)
        .set({ status: "expired" })
        .where(
          and(
            eq(invitations.organizationId, organizationId),
            eq(invitations.email, email),
            eq(invitations.status, "pending"),
            lte(invitations.expiresAt, now),
            standing.holds,
          ),
        ),
      insertRowWhere(ctx.db, invitations, row, organizations, and(eq(organizations.id, organizationId), standing.holds)!).returning({
        id: invitations.id,
      }),
      ctx.events.record("invitation.created", invitationView(row, scope.organization), null, { when: previousStatementChanged }),
    ]);
  } catch (error) {
    // The partial unique index allows one pending invitation per address: the race-safe check.
    if (isUniqueViolation(error)) throw new ApiError("invitation_pending", `${email} already has a pending invitation. Resend it instead.`);
    // A trigger refuses the row if the role was deleted since it was looked up (migrations/0002).
    if (isRoleNotFound(error)) throw unknownRole(input.role);
    throw error;
  }
  if (inserted.length === 0) {
    await assertCallerStands(ctx, scope, standing);
    throw notFound("Organization"); // only the organization can be missing (its members and keys go with it)
  }
  return invitationView(await enqueueEmail(ctx, row, token), scope.organization);
}

/** A new token (the old link dies), a new 7-day expiry and a new email. Pending or expired only. */
export async function resendInvitation({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = await freshScope(ctx, requirePermission(ctx, "users.invite"));
  await requireVerifiedEmailToArm(ctx);
  const existing = await findInOrg(ctx, invitations, input.id, scope.organization.id, "Invitation");
  if (existing.status !== "pending" && existing.status !== "expired") {
    throw new ApiError("conflict", `This invitation is ${existing.status}; only pending or expired invitations can be resent.`);
  }
  assertCanGrant(scope, findAssignableRole(scope.organization, existing.roleKey, permissionCatalog(ctx.env)).role.permissions);
  await enforceRateLimit(ctx.env.RATE_LIMIT_ORG, `invite:${scope.organization.id}`);

  const now = new Date();
  const token = mintToken("invitation");
  const changes = {
    status: "pending" as const,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
    emailId: newId("eml"),
    deliveryStatus: "queued" as const,
    deliveryError: null,
  };
  let updated: InvitationRow | undefined;
  const before = invitationView(existing, scope.organization);
  const view = invitationView({ ...existing, ...changes }, scope.organization);
  const standing = callerStanding(ctx, scope, { verifiedEmail: true });
  try {
    [[updated]] = await ctx.db.batch([
      ctx.db
        .update(invitations)
        .set(changes)
        .where(
          and(
            eq(invitations.id, existing.id),
            eq(invitations.organizationId, scope.organization.id),
            sql`${invitations.status} IN ('pending', 'expired')`,
            standing.holds,
          ),
        )
        .returning(),
      ctx.events.record("invitation.resent", view, changedFields(before, { status: view.status, expiresAt: view.expiresAt }), {
        when: previousStatementChanged,
      }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiError("invitation_pending", `${existing.email} already has another pending invitation.`);
    throw error;
  }
  if (!updated) {
    await assertCallerStands(ctx, scope, standing);
    throw new ApiError("conflict", "This invitation changed meanwhile; reload it.");
  }
  return invitationView(await enqueueEmail(ctx, updated, token), scope.organization);
}

export async function revokeInvitation({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "users.invite");
  const existing = await findInOrg(ctx, invitations, input.id, scope.organization.id, "Invitation");
  const before = invitationView(existing, scope.organization);
  const [[revoked]] = await ctx.db.batch([
    ctx.db
      .update(invitations)
      .set({ status: "revoked" })
      .where(and(eq(invitations.id, existing.id), eq(invitations.status, "pending")))
      .returning({ id: invitations.id }),
    ctx.events.record(
      "invitation.revoked",
      { ...before, status: "revoked" },
      { status: before.status },
      { when: previousStatementChanged },
    ),
  ]);
  if (!revoked) throw new ApiError("conflict", `This invitation is ${existing.status}; only a pending invitation can be revoked.`);
}
