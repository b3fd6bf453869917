import { and, eq, sql, type SQL } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { insertRowWhere, isUniqueViolation } from "../../db/tenant-rows";
import { invitations, members, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, forbidden, notFound } from "../../lib/errors";
import { isId, newId } from "../../lib/ids";
import { hashPassword } from "../../lib/passwords";
import { roleIn } from "../permissions/role-in";
import type { Principal } from "../auth/principal";
import { newSession } from "../auth/sessions";
import { UNRESOLVED_ROLE_ID } from "../permissions/resolve";
import { isoTime, memberViewIn, organizationView, roleRefView, userView } from "../record-views";
import { assertActionable, findByToken, invitationView, type InvitationRow } from "./internal";

type SessionPrincipal = Extract<Principal, { kind: "session" }>;

export interface AcceptInput {
  /** The link token, or — for a signed-in recipient with a verified address — the invitation id. */
  token: string;
  /** For a recipient without an account. */
  account?: { name: string; password: string };
}

/** Who accepts: the signed-in recipient, or a new account for the invited address. */
type Recipient =
  | { kind: "session"; principal: SessionPrincipal; viaToken: boolean }
  | { kind: "new_account"; user: typeof users.$inferInsert; session: Awaited<ReturnType<typeof newSession>> };

/**
 * Accepts an invitation: creates the membership and makes the organization the session's active
 * one (a new account gets a new session). One batch whose statements are all guarded by the
 * invitation row itself: the first statement claims it (pending → accepted, recording the new
 * member id), every later one runs only if that claim is ours. Concurrent accepts therefore
 * create exactly one membership.
 */
export async function acceptInvitation({
  ctx,
  input,
  principal,
  userAgent = null,
}: {
  ctx: RequestContext;
  input: AcceptInput;
  principal: Principal | null;
  userAgent?: string | null;
}) {
  if (principal && principal.kind !== "session") throw forbidden("Accepting an invitation needs a user session, not an API key.");
  const { invitation, viaToken } = await findInvitationFor(ctx, input.token, principal);
  assertActionable(invitation);
  const now = new Date();
  const recipient = await recipientOf(ctx, invitation, input, principal, viaToken, now, userAgent);
  const memberId = newId("mem");
  await runAcceptBatch(ctx, invitation, recipient, memberId, now);
  return acceptResult(ctx, invitation, recipient, memberId);
}

/**
 * The emailed token proves the mailbox. The invitation id (from GET /api/invitations) does not, so
 * it works only for a session whose address is verified: otherwise anyone who signs up with an
 * address could join what was addressed to it.
 */
async function findInvitationFor(
  ctx: RequestContext,
  tokenOrId: string,
  principal: Principal | null,
): Promise<{ invitation: InvitationRow; viaToken: boolean }> {
  if (!isId(tokenOrId, "inv")) return { invitation: (await findByToken(ctx, tokenOrId)).invitation, viaToken: true };
  if (!principal || principal.kind !== "session") throw notFound("Invitation");
  if (!principal.user.emailVerified) throw emailNotVerified();
  const row = await ctx.db
    .select()
    .from(invitations)
    .where(and(eq(invitations.id, tokenOrId), eq(invitations.email, principal.user.email)))
    .get();
  if (!row) throw notFound("Invitation");
  return { invitation: row, viaToken: false };
}

export const emailNotVerified = () =>
  new ApiError(
    "email_not_verified",
    "Verify your email address first (POST /api/auth/email-verification), or open the invitation link from the email.",
  );

async function recipientOf(
  ctx: RequestContext,
  invitation: InvitationRow,
  input: AcceptInput,
  principal: SessionPrincipal | null,
  viaToken: boolean,
  now: Date,
  userAgent: string | null,
): Promise<Recipient> {
  if (principal) {
    if (principal.user.email !== invitation.email) {
      throw forbidden("This invitation was sent to another email address. Sign in as that address to accept it.");
    }
    if (input.account)
      throw new ApiError("validation_failed", "Signed in: send no body.", {
        errors: [{ path: "(body)", message: "Not expected with a session." }],
      });
    return { kind: "session", principal, viaToken };
  }
  if (!input.account)
    throw new ApiError("unauthenticated", "Sign in as the invited address, or send { name, password } to create the account.");
  const existing = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, invitation.email)).get();
  if (existing) throw emailTaken();
  const userId = newId("usr");
  // The link proved the mailbox: an account created by accepting is verified.
  const user = {
    id: userId,
    email: invitation.email,
    name: input.account.name,
    passwordHash: await hashPassword(input.account.password),
    isSuperAdmin: false,
    emailVerified: true,
    emailVerifiedAt: now,
    createdAt: now,
    updatedAt: now,
  };
  return { kind: "new_account", user, session: await newSession(userId, invitation.organizationId, now.getTime(), userAgent) };
}

const emailTaken = () => new ApiError("email_taken", "An account with this email exists: sign in, then accept.");

function acceptStatements(ctx: RequestContext, invitation: InvitationRow, recipient: Recipient, memberId: string, now: Date) {
  const db = ctx.db;
  const userId = recipient.kind === "session" ? recipient.principal.user.id : recipient.user.id;
  const claimedByUs = and(eq(invitations.id, invitation.id), eq(invitations.acceptedMemberId, memberId)) as SQL;
  const claimedExists = sql`EXISTS (SELECT 1 FROM ${invitations} WHERE ${invitations.id} = ${invitation.id} AND ${invitations.acceptedMemberId} = ${memberId})`;
  const claim = db
    .update(invitations)
    .set({ status: "accepted", acceptedAt: now, acceptedMemberId: memberId })
    .where(
      and(
        eq(invitations.id, invitation.id),
        eq(invitations.tokenHash, invitation.tokenHash),
        eq(invitations.status, "pending"),
        sql`${invitations.expiresAt} > ${now.getTime()}`,
      ),
    );
  const member = insertRowWhere(
    db,
    members,
    { id: memberId, organizationId: invitation.organizationId, userId, roleKey: invitation.roleKey, createdAt: now },
    invitations,
    claimedByUs,
  );
  if (recipient.kind === "new_account") {
    return [
      claim,
      insertRowWhere(db, users, recipient.user, invitations, claimedByUs),
      member,
      insertRowWhere(db, sessions, recipient.session.row, invitations, claimedByUs),
    ] as const;
  }
  const switchOrg = db
    .update(sessions)
    .set({ activeOrganizationId: invitation.organizationId })
    .where(and(eq(sessions.id, recipient.principal.sessionId), claimedExists));
  if (!recipient.viaToken || recipient.principal.user.emailVerified) return [claim, member, switchOrg] as const;
  // Accepting through the emailed link proves the mailbox: the address becomes verified.
  const verify = db
    .update(users)
    .set({ emailVerified: true, emailVerifiedAt: now, updatedAt: now })
    .where(and(eq(users.id, userId), eq(users.email, invitation.email), claimedExists));
  return [claim, member, switchOrg, verify] as const;
}

/**
 * member.added and invitation.accepted, guarded by the claim like every other statement of the
 * batch: a lost race records nothing. The actor is the accepting user (new or signed in).
 */
async function acceptEvents(ctx: RequestContext, invitation: InvitationRow, recipient: Recipient, memberId: string, now: Date) {
  const organization = await authCache.organization(ctx, invitation.organizationId);
  if (!organization) throw notFound("Invitation");
  const user = recipient.kind === "session" ? recipient.principal.user : recipient.user;
  const claimed = sql`EXISTS (SELECT 1 FROM ${invitations} WHERE ${invitations.id} = ${invitation.id} AND ${invitations.acceptedMemberId} = ${memberId})`;
  const options = {
    organizationId: invitation.organizationId,
    actor: { type: "user" as const, id: user.id, name: user.name },
    when: claimed,
  };
  const member = memberViewIn(organization, {
    id: memberId,
    roleKey: invitation.roleKey,
    joinedAt: now,
    userId: user.id,
    email: user.email,
    name: user.name,
    emailVerified: recipient.kind === "new_account" || recipient.viaToken || recipient.principal.user.emailVerified,
  });
  const accepted = invitationView({ ...invitation, status: "accepted", acceptedAt: now, acceptedMemberId: memberId }, organization);
  return [
    ctx.events.record("member.added", member, null, options),
    ctx.events.record("invitation.accepted", accepted, { status: "pending" }, options),
  ] as const;
}

async function runAcceptBatch(ctx: RequestContext, invitation: InvitationRow, recipient: Recipient, memberId: string, now: Date) {
  const events = await acceptEvents(ctx, invitation, recipient, memberId, now);
  try {
    await ctx.db.batch([...acceptStatements(ctx, invitation, recipient, memberId, now), ...events]);
  } catch (error) {
    if (isUniqueViolation(error, "members")) throw new ApiError("already_member", "You are already a member of this organization.");
    if (isUniqueViolation(error, "users.email")) throw emailTaken();
    throw error;
  }
}

async function acceptResult(ctx: RequestContext, invitation: InvitationRow, recipient: Recipient, memberId: string) {
  const member = await ctx.db
    .select({
      id: members.id,
      roleKey: members.roleKey,
      joinedAt: members.createdAt,
      user: { id: users.id, email: users.email, name: users.name, emailVerified: users.emailVerified },
    })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(eq(members.id, memberId))
    .get();
  if (!member) {
    // Someone else's accept (or a revoke, or the clock) won the race: report the state it left.
    const current = await ctx.db.select().from(invitations).where(eq(invitations.id, invitation.id)).get();
    if (current) assertActionable(current);
    throw notFound("Invitation");
  }
  await authCache.invalidateMembership(ctx, invitation.organizationId, member.user.id);
  if (recipient.kind === "session") {
    await Promise.all([authCache.invalidateCredential(ctx, recipient.principal.tokenHash), authCache.invalidateUser(ctx, member.user.id)]);
  }
  const organization = await authCache.organization(ctx, invitation.organizationId);
  return {
    member: {
      id: member.id,
      user: member.user,
      role: organization
        ? roleRefView(roleIn(organization, member.roleKey))
        : { id: UNRESOLVED_ROLE_ID, name: member.roleKey, source: "organization" as const },
      joinedAt: isoTime(member.joinedAt),
    },
    organization: organization ? organizationView(organization) : null,
    ...(recipient.kind === "new_account"
      ? { user: userView(member.user), session: { token: recipient.session.token, expiresAt: recipient.session.expiresAt } }
      : {}),
  };
}
