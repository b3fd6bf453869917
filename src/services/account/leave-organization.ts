import { and, eq, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { members, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { notFound } from "../../lib/errors";
import { isId } from "../../lib/ids";
import { ADMIN_ROLE_KEY } from "../../domain/permissions";
import { sessionCaller } from "../auth/guards";
import { actorOf, previousStatementChanged } from "../events/recorder";
import { CHANGED_CONCURRENTLY, untilApplied } from "../../db/tenant-rows";
import { anotherAdminRemains, lastAdmin, memberColumns } from "../members/members";
import { memberViewIn } from "../record-views";

/**
 * The signed-in user leaves one of their organizations (API.md §8): `member.removed`, with the user
 * as its actor, in the same batch as the DELETE, which carries the last-Admin guard (409
 * `last_admin`: make someone else Admin first). Not a member (or another user's organization) → 404.
 * Every session of the user whose active organization it was moves to the organization the user
 * joined first among those left, or to none; their cached entries are dropped.
 */
export function leaveOrganization({ ctx, input }: { ctx: RequestContext; input: { organizationId: string } }) {
  const principal = sessionCaller(ctx);
  const userId = principal.user.id;
  const { organizationId } = input;
  if (!isId(organizationId, "org")) throw notFound("Organization");
  return untilApplied(async () => {
    const row = await ctx.primary
      .select(memberColumns)
      .from(members)
      .innerJoin(users, eq(users.id, members.userId))
      .where(and(eq(members.organizationId, organizationId), eq(members.userId, userId)))
      .get();
    if (!row) throw notFound("Organization");
    const organization = await authCache.organizationFromDb(ctx, organizationId);
    if (!organization) throw notFound("Organization");
    const firstLeft = sql`(SELECT m.organization_id FROM members AS m WHERE m.user_id = ${userId} ORDER BY m.id LIMIT 1)`;
    const [removed, , moved] = await ctx.db.batch([
      ctx.db
        .delete(members)
        .where(
          and(
            eq(members.id, row.id),
            eq(members.organizationId, organizationId),
            eq(members.roleKey, row.roleKey),
            anotherAdminRemains(organizationId),
          ),
        )
        .returning({ id: members.id }),
      ctx.events.record("member.removed", memberViewIn(organization, row), null, {
        organizationId,
        actor: actorOf(principal),
        when: previousStatementChanged,
      }),
      ctx.db
        .update(sessions)
        .set({ activeOrganizationId: firstLeft })
        .where(
          and(
            eq(sessions.userId, userId),
            eq(sessions.activeOrganizationId, organizationId),
            sql`NOT EXISTS (SELECT 1 FROM members AS m WHERE m.organization_id = ${organizationId} AND m.user_id = ${userId})`,
          ),
        )
        .returning({ tokenHash: sessions.tokenHash }),
    ]);
    if (removed.length === 0) {
      const now = await ctx.primary
        .select({ roleKey: members.roleKey })
        .from(members)
        .where(and(eq(members.organizationId, organizationId), eq(members.userId, userId)))
        .get();
      if (!now) throw notFound("Organization");
      if (now.roleKey === row.roleKey && row.roleKey === ADMIN_ROLE_KEY) throw lastAdmin();
      return CHANGED_CONCURRENTLY;
    }
    await Promise.all([
      authCache.invalidateMembership(ctx, organizationId, userId),
      authCache.invalidateCredential(ctx, principal.tokenHash),
      ...moved.map((s) => authCache.invalidateCredential(ctx, s.tokenHash)),
    ]);
  });
}
