import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, events, invitations, members, organizations, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { verifyPassword } from "../../lib/passwords";
import { ADMIN_ROLE_KEY } from "../../domain/permissions";
import type { Actor } from "../../domain/event-types";
import { sessionCaller } from "../auth/guards";
import { enforceRateLimit } from "../auth/rate-limit";
import { actorOf } from "../events/recorder";
import { CHANGED_CONCURRENTLY, untilApplied } from "../../db/tenant-rows";
import { deleteOrganizationStatements } from "../organizations/admin";
import { memberViewIn, organizationView } from "../record-views";
import { checkSecondFactor, CODE_INVALID_DETAIL, mfaCodeInvalid, SECOND_FACTOR_COLUMNS } from "../mfa/second-factor";
import { passwordIncorrect } from "../mfa/enrollment";

/** What stored events and invitations keep of a deleted user, in place of the name (docs/lifecycle-and-mfa.md). */
export const DELETED_USER_NAME = "Deleted user";

/**
 * Closes the signed-in user's account (API.md §8). Needs the password, and a code (TOTP or recovery)
 * when MFA is on. Refused with 409 `sole_admin`, naming them, while the user is the only Admin of an
 * organization that has other members. Otherwise, in one batch: the organizations where the user is
 * the only member are deleted (`organization.deleted`), every other membership removed
 * (`member.removed`, the user as actor), the user's name and address redacted from the events of
 * those organizations (the user id stays), every session deleted, and the user row with them — so
 * the address can sign up again. The cached sessions, user and memberships are dropped before the 204.
 *
 * Everything the batch does rests on the state read before it, so its first statement is a claim
 * guarded on exactly that state (password unchanged, the code unused, the same memberships, the solo
 * organizations still solo, no organization left with this user as its only Admin); every other
 * statement runs only if the claim was made. A change in between makes it read and decide again.
 */
export function deleteAccount({ ctx, input }: { ctx: RequestContext; input: { password: string; code?: string } }) {
  const principal = sessionCaller(ctx);
  const userId = principal.user.id;
  return untilApplied(async () => {
    await enforceRateLimit(ctx.env.RATE_LIMIT_EMAIL, `password:${userId}`);
    const user = await ctx.primary
      .select({
        ...SECOND_FACTOR_COLUMNS,
        email: users.email,
        name: users.name,
        emailVerified: users.emailVerified,
        passwordHash: users.passwordHash,
      })
      .from(users)
      .where(eq(users.id, userId))
      .get();
    if (!user) throw notFound("User");
    if (!(await verifyPassword(input.password, user.passwordHash))) throw passwordIncorrect();
    let factor: Awaited<ReturnType<typeof checkSecondFactor>> = null;
    if (user.mfaEnabled) {
      if (input.code === undefined)
        throw mfaCodeInvalid("MFA is on for this account: send `code` (the current TOTP or a recovery code).", 403);
      factor = await checkSecondFactor(ctx, user, { code: input.code });
      if (!factor) throw mfaCodeInvalid(CODE_INVALID_DETAIL, 403);
    }

    const memberships = await ctx.primary
      .select({
        id: members.id,
        roleKey: members.roleKey,
        joinedAt: members.createdAt,
        organizationId: members.organizationId,
        memberCount: organizations.memberCount,
        admins: sql<number>`(SELECT count(*) FROM members AS a WHERE a.organization_id = ${members.organizationId} AND a.role_key = ${ADMIN_ROLE_KEY})`,
        org: organizations,
      })
      .from(members)
      .innerJoin(organizations, eq(organizations.id, members.organizationId))
      .where(eq(members.userId, userId));
    const soleAdminOf = memberships.filter((m) => m.memberCount > 1 && m.roleKey === ADMIN_ROLE_KEY && m.admins === 1);
    if (soleAdminOf.length > 0) {
      const names = soleAdminOf.map((m) => `"${m.org.name}" (${m.organizationId})`).join(", ");
      throw new ApiError(
        "sole_admin",
        `You are the only Admin of ${names}, which ${soleAdminOf.length === 1 ? "has" : "have"} other members. Make another member Admin, or leave, first.`,
      );
    }
    const solo = memberships.filter((m) => m.memberCount <= 1);
    const shared = memberships.filter((m) => m.memberCount > 1);

    const marker = `deleting:${crypto.randomUUID()}`;
    const claimed = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${userId} AND ${users.email} = ${marker})`;
    const stillAsRead = and(
      eq(users.id, userId),
      eq(users.passwordHash, user.passwordHash),
      factor?.guard,
      sql`(SELECT count(*) FROM members AS m WHERE m.user_id = ${userId}) = ${memberships.length}`,
      ...solo.map(
        (m) => sql`NOT EXISTS (SELECT 1 FROM members AS m WHERE m.organization_id = ${m.organizationId} AND m.user_id <> ${userId})`,
      ),
      // No organization of the user's has it as its only Admin and someone else as a member.
      sql`NOT EXISTS (SELECT 1 FROM members AS mine WHERE mine.user_id = ${userId} AND mine.role_key = ${ADMIN_ROLE_KEY}
        AND NOT EXISTS (SELECT 1 FROM members AS a WHERE a.organization_id = mine.organization_id AND a.role_key = ${ADMIN_ROLE_KEY} AND a.user_id <> ${userId})
        AND EXISTS (SELECT 1 FROM members AS o WHERE o.organization_id = mine.organization_id AND o.user_id <> ${userId}))`,
    )!;

    const actor: Actor = actorOf(principal);
    const organizationIds = memberships.map((m) => m.organizationId);
    // With their roles, so each member.removed names the role the user held.
    const sharedOrganizations = await Promise.all(
      shared.map(
        async (m) =>
          (await authCache.organizationFromDb(ctx, m.organizationId)) ?? {
            ...m.org,
            createdAt: m.org.createdAt.getTime(),
            updatedAt: m.org.updatedAt.getTime(),
            roles: [],
          },
      ),
    );
    const soloKeys = solo.length
      ? await ctx.primary
          .select({ keyHash: apiKeys.keyHash })
          .from(apiKeys)
          .where(
            inArray(
              apiKeys.organizationId,
              solo.map((m) => m.organizationId),
            ),
          )
      : [];

    const statements = [
      // The claim (and the second factor's use: a code works once).
      ctx.db
        .update(users)
        .set({ ...(factor?.set ?? {}), email: marker, updatedAt: new Date() })
        .where(stillAsRead)
        .returning({ id: users.id }),
      ...solo.flatMap((m) =>
        deleteOrganizationStatements(
          ctx,
          organizationView({ ...m.org, createdAt: m.org.createdAt.getTime(), updatedAt: m.org.updatedAt.getTime() }),
          actor,
          claimed,
        ),
      ),
      ...shared.flatMap((m, i) => {
        const view = memberViewIn(sharedOrganizations[i]!, {
          id: m.id,
          roleKey: m.roleKey,
          joinedAt: m.joinedAt,
          userId,
          email: user.email,
          name: user.name,
          emailVerified: user.emailVerified,
        });
        return [
          ctx.events.record("member.removed", view, null, { organizationId: m.organizationId, actor, when: claimed }),
          ctx.db.delete(members).where(and(eq(members.id, m.id), claimed)),
        ];
      }),
      ...redactionStatements(ctx, userId, organizationIds, claimed),
      ctx.db
        .delete(sessions)
        .where(and(eq(sessions.userId, userId), claimed))
        .returning({ tokenHash: sessions.tokenHash }),
      ctx.db.delete(users).where(and(eq(users.id, userId), claimed)),
    ];
    const results = (await ctx.db.batch(statements as never)) as unknown[][];
    if ((results[0] as unknown[]).length === 0) return CHANGED_CONCURRENTLY;
    const revoked = results[results.length - 2] as { tokenHash: string }[];

    await Promise.all([
      ...revoked.map((s) => authCache.invalidateCredential(ctx, s.tokenHash)),
      authCache.invalidateCredential(ctx, principal.tokenHash),
      authCache.invalidateUser(ctx, userId),
      ...organizationIds.map((id) => authCache.invalidateMembership(ctx, id, userId)),
      ...solo.map((m) => authCache.invalidateOrganization(ctx, m.organizationId)),
      ...soloKeys.map((k) => authCache.invalidateCredential(ctx, k.keyHash)),
    ]);
  });
}

/**
 * What the stored record keeps of a deleted user: the id. The name becomes "Deleted user" wherever
 * the user acted (every organization: indexed by actor), and in the member and invitation events and
 * the invitations of the organizations the user belonged to at deletion; the address is emptied in
 * their member events. Invitations addressed to the address stay the organization's record of whom
 * it invited, until retention prunes their events (EVENT_RETENTION_DAYS).
 */
function redactionStatements(ctx: RequestContext, userId: string, organizationIds: string[], claimed: SQL) {
  const inOrgs = organizationIds.length > 0 ? inArray(events.organizationId, organizationIds) : sql`0`;
  return [
    ctx.db
      .update(events)
      .set({ actorName: DELETED_USER_NAME })
      .where(and(eq(events.actorId, userId), eq(events.actorType, "user"), claimed)),
    ctx.db
      .update(events)
      .set({ data: sql`json_set(${events.data}, '$.object.user.name', ${DELETED_USER_NAME}, '$.object.user.email', '')` })
      .where(
        and(
          inOrgs,
          inArray(events.type, ["member.added", "member.updated", "member.removed"]),
          sql`json_extract(${events.data}, '$.object.user.id') = ${userId}`,
          claimed,
        ),
      ),
    ctx.db
      .update(events)
      .set({ data: sql`json_set(${events.data}, '$.object.invitedBy.name', ${DELETED_USER_NAME})` })
      .where(
        and(
          inOrgs,
          sql`${events.type} LIKE 'invitation.%'`,
          sql`json_extract(${events.data}, '$.object.invitedBy.id') = ${userId}`,
          claimed,
        ),
      ),
    ctx.db
      .update(invitations)
      .set({ inviterName: DELETED_USER_NAME })
      .where(and(eq(invitations.inviterType, "user"), eq(invitations.inviterId, userId), claimed)),
  ];
}
