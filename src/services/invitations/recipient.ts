import { and, asc, eq, gt } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { invitations, members, organizations, users } from "../../db/schema";
import type { RequestContext } from "../../env";
import { ApiError, forbidden, notFound } from "../../lib/errors";
import { isId, newId } from "../../lib/ids";
import { decodeCursor, toPage } from "../../lib/pagination";
import { hashPassword } from "../../lib/passwords";
import { roleIn } from "../permissions/role-in";
import { sessionCaller } from "../auth/guards";
import type { Principal } from "../auth/principal";
import { newSession } from "../auth/sessions";
import { isUniqueViolation } from "../errors-db";
import { iso, organizationView, roleRefView, userView } from "../views";
import { assertActionable, effectiveStatus, findByToken, type InvitationRow } from "./internal";

/** What the recipient sees before accepting. Works for any state, so the page can explain it. */
export async function previewInvitation({ ctx, input }: { ctx: RequestContext; input: { token: string } }) {
  const { invitation, organization } = await findByToken(ctx, input.token);
  const record = await authCache.organization(ctx, organization.id);
  const hasAccount = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, invitation.email)).get();
  return {
    organization: { name: organization.name, logo: organization.logo },
    role: record ? roleRefView(roleIn(record, invitation.roleKey)) : { id: "", name: invitation.roleKey, source: "system" as const },
    email: invitation.email,
    invitedBy: { type: invitation.inviterType, id: invitation.inviterId, name: invitation.inviterName },
    expiresAt: iso(invitation.expiresAt),
    status: effectiveStatus(invitation),
    hasAccount: hasAccount !== undefined,
  };
}

export interface AcceptInput {
  /** The link token, or — for a signed-in recipient — the invitation id. */
  token: string;
  /** For a recipient without an account. */
  account?: { name: string; password: string };
}

/**
 * Accepts an invitation: creates the membership and makes the organization the session's active
 * one (a new account gets a new session). One batch whose statements are all guarded by the
 * invitation row itself: the first statement claims it (pending → accepted, recording the new
 * member id), every later one runs only if that claim is ours. Concurrent accepts therefore
 * create exactly one membership.
 */
export async function acceptInvitation({ ctx, input, principal }: { ctx: RequestContext; input: AcceptInput; principal: Principal | null }) {
  if (principal && principal.kind !== "session") throw forbidden("Accepting an invitation needs a user session, not an API key.");
  const invitation = await findInvitationFor(ctx, input.token, principal);
  assertActionable(invitation);

  const now = new Date();
  const memberId = newId("mem");
  let userId: string;
  let created: { user: typeof users.$inferInsert; session: Awaited<ReturnType<typeof newSession>> } | undefined;

  if (principal) {
    if (principal.user.email !== invitation.email) {
      throw forbidden("This invitation was sent to another email address. Sign in as that address to accept it.");
    }
    if (input.account) throw new ApiError("validation_failed", "Signed in: send no body.", { errors: [{ path: "(body)", message: "Not expected with a session." }] });
    userId = principal.user.id;
  } else {
    if (!input.account) throw new ApiError("unauthenticated", "Sign in as the invited address, or send { name, password } to create the account.");
    const existing = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, invitation.email)).get();
    if (existing) throw new ApiError("email_taken", "An account with this email exists: sign in, then accept.");
    userId = newId("usr");
    created = {
      user: { id: userId, email: invitation.email, name: input.account.name, passwordHash: await hashPassword(input.account.password), isSuperAdmin: false, createdAt: now, updatedAt: now },
      session: await newSession(userId, invitation.organizationId, now.getTime()),
    };
  }

  // Plain D1 statements: drizzle cannot batch `INSERT … SELECT … WHERE` with bound values. Every
  // statement after the claim runs only if the claim is ours.
  const d1 = ctx.env.DB;
  const claimedByUs = "EXISTS (SELECT 1 FROM invitations WHERE id = ?1 AND accepted_member_id = ?2)";
  const at = now.getTime();
  const statements: D1PreparedStatement[] = [
    d1
      .prepare("UPDATE invitations SET status = 'accepted', accepted_at = ?3, accepted_member_id = ?2 WHERE id = ?1 AND token_hash = ?4 AND status = 'pending' AND expires_at > ?3")
      .bind(invitation.id, memberId, at, invitation.tokenHash),
  ];
  if (created) {
    statements.push(
      d1
        .prepare(`INSERT INTO users (id, email, name, password_hash, is_super_admin, created_at, updated_at) SELECT ?3, ?4, ?5, ?6, 0, ?7, ?7 WHERE ${claimedByUs}`)
        .bind(invitation.id, memberId, userId, invitation.email, created.user.name, created.user.passwordHash, at),
    );
  }
  statements.push(
    d1
      .prepare(`INSERT INTO members (id, organization_id, user_id, role_key, created_at) SELECT ?2, ?3, ?4, ?5, ?6 WHERE ${claimedByUs}`)
      .bind(invitation.id, memberId, invitation.organizationId, userId, invitation.roleKey, at),
  );
  statements.push(
    created
      ? d1
          .prepare(`INSERT INTO sessions (id, token_hash, user_id, active_organization_id, expires_at, created_at) SELECT ?3, ?4, ?5, ?6, ?7, ?8 WHERE ${claimedByUs}`)
          .bind(invitation.id, memberId, created.session.row.id, created.session.row.tokenHash, userId, invitation.organizationId, created.session.row.expiresAt.getTime(), at)
      : d1
          .prepare(`UPDATE sessions SET active_organization_id = ?3 WHERE id = ?4 AND ${claimedByUs}`)
          .bind(invitation.id, memberId, invitation.organizationId, (principal as Extract<Principal, { kind: "session" }>).sessionId),
  );
  try {
    await d1.batch(statements);
  } catch (error) {
    if (isUniqueViolation(error, "members")) throw new ApiError("already_member", "You are already a member of this organization.");
    if (isUniqueViolation(error, "users.email")) throw new ApiError("email_taken", "An account with this email exists: sign in, then accept.");
    throw error;
  }

  const member = await ctx.db
    .select({ id: members.id, roleKey: members.roleKey, joinedAt: members.createdAt, user: { id: users.id, email: users.email, name: users.name } })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(eq(members.id, memberId))
    .get();
  if (!member) {
    // Someone else's accept (or a revoke, or the clock) won the race: report the state it left.
    const now2 = await ctx.db.select().from(invitations).where(eq(invitations.id, invitation.id)).get();
    if (!now2) throw notFound("Invitation");
    assertActionable(now2);
    throw notFound("Invitation");
  }

  await authCache.invalidateMembership(ctx, invitation.organizationId, userId);
  if (principal) await authCache.invalidateCredential(ctx, principal.tokenHash);
  const organization = await authCache.organization(ctx, invitation.organizationId);
  return {
    member: {
      id: member.id,
      user: member.user,
      role: organization ? roleRefView(roleIn(organization, member.roleKey)) : { id: "", name: member.roleKey, source: "system" as const },
      joinedAt: iso(member.joinedAt),
    },
    organization: organization ? organizationView(organization) : null,
    ...(created ? { user: userView(created.user as { id: string; email: string; name: string }), session: { token: created.session.token, expiresAt: created.session.expiresAt } } : {}),
  };
}

/** `{ name, password }` together create an account; neither means "use my session". */
export function accountInput(body: { name?: string; password?: string }): AcceptInput["account"] {
  if (body.name === undefined && body.password === undefined) return undefined;
  if (body.name === undefined || body.password === undefined) {
    const missing = body.name === undefined ? "name" : "password";
    throw new ApiError("validation_failed", `${missing}: Required to create the account.`, { errors: [{ path: missing, message: "Required to create the account." }] });
  }
  return { name: body.name, password: body.password };
}

async function findInvitationFor(ctx: RequestContext, tokenOrId: string, principal: Principal | null): Promise<InvitationRow> {
  // A signed-in recipient may use the id from GET /api/invitations instead of the emailed token.
  if (isId(tokenOrId, "inv")) {
    if (!principal || principal.kind !== "session") throw notFound("Invitation");
    const row = await ctx.db
      .select()
      .from(invitations)
      .where(and(eq(invitations.id, tokenOrId), eq(invitations.email, principal.user.email)))
      .get();
    if (!row) throw notFound("Invitation");
    return row;
  }
  return (await findByToken(ctx, tokenOrId)).invitation;
}

/** The recipient says no: the invitation becomes revoked. No sign-in needed (the token is the proof). */
export async function declineInvitation({ ctx, input }: { ctx: RequestContext; input: { token: string } }) {
  const { invitation } = await findByToken(ctx, input.token);
  assertActionable(invitation);
  const declined = await ctx.db
    .update(invitations)
    .set({ status: "revoked" })
    .where(and(eq(invitations.id, invitation.id), eq(invitations.tokenHash, invitation.tokenHash), eq(invitations.status, "pending")))
    .returning({ id: invitations.id })
    .get();
  if (!declined) throw notFound("Invitation");
}

/** Pending invitations addressed to the signed-in user's email, newest last. */
export async function listMyInvitations({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const principal = sessionCaller(ctx);
  const after = decodeCursor(input.cursor, "inv");
  const now = new Date();
  const rows = await ctx.db
    .select({
      id: invitations.id,
      roleKey: invitations.roleKey,
      inviterType: invitations.inviterType,
      inviterId: invitations.inviterId,
      inviterName: invitations.inviterName,
      expiresAt: invitations.expiresAt,
      createdAt: invitations.createdAt,
      organizationId: organizations.id,
      organizationName: organizations.name,
      organizationLogo: organizations.logo,
    })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .where(
      and(
        eq(invitations.email, principal.user.email),
        eq(invitations.status, "pending"),
        gt(invitations.expiresAt, now),
        after ? gt(invitations.id, after) : undefined,
      ),
    )
    .orderBy(asc(invitations.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  const orgIds = [...new Set(page.data.map((row) => row.organizationId))];
  const records = new Map(await Promise.all(orgIds.map(async (id) => [id, await authCache.organization(ctx, id)] as const)));
  return {
    data: page.data.map((row) => ({
      id: row.id,
      organization: { id: row.organizationId, name: row.organizationName, logo: row.organizationLogo },
      role: roleRefView(roleIn(records.get(row.organizationId)!, row.roleKey)),
      invitedBy: { type: row.inviterType, id: row.inviterId, name: row.inviterName },
      expiresAt: iso(row.expiresAt),
      createdAt: iso(row.createdAt),
    })),
    nextCursor: page.nextCursor,
  };
}
