import { and, eq, gt, sql } from "drizzle-orm";
import { members, organizations, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { newId } from "../../lib/ids";
import { unauthenticated, forbidden } from "../../lib/errors";
import { insertRowWhere } from "../../db/tenant-rows";
import { ADMIN_ROLE_KEY } from "../../domain/permissions";
import { requireVerifiedEmailToArm, sessionCaller } from "../auth/guards";
import { enforceRateLimit } from "../auth/rate-limit";
import { actorOf } from "../events/recorder";
import { memberViewIn, organizationView } from "../record-views";

export interface CreateOrganizationInput {
  name: string;
  logo?: string | null;
  timezone?: string;
}

/**
 * A signed-in, verified user starts another organization and is its Admin (API.md §8). The
 * session's active organization does not change (switch with PUT /api/auth/session/organization).
 * One batch: the organization (written only while the caller's session is live and its address
 * verified: the guard is in the INSERT), the membership, `organization.created` and `member.added`.
 * Rate limited per user (RATE_LIMIT_ORG_CREATE).
 */
export async function createOrganization({ ctx, input }: { ctx: RequestContext; input: CreateOrganizationInput }) {
  const principal = sessionCaller(ctx);
  await requireVerifiedEmailToArm(ctx);
  await enforceRateLimit(ctx.env.RATE_LIMIT_ORG_CREATE, `org-create:${principal.user.id}`);
  const now = new Date();
  const org = {
    id: newId("org"),
    name: input.name,
    logo: input.logo ?? null,
    timezone: input.timezone ?? "UTC",
    requireMfa: false,
    createdAt: now,
    updatedAt: now,
    // The counters start at 0, then the triggers keep them (the member below makes memberCount 1).
    memberCount: 0,
    apiKeyCount: 0,
    pendingInvitationCount: 0,
    invitationCount: 0,
  };
  const member = {
    id: newId("mem", now.getTime()),
    organizationId: org.id,
    userId: principal.user.id,
    roleKey: ADMIN_ROLE_KEY,
    createdAt: now,
  };
  const record = {
    id: org.id,
    name: org.name,
    logo: org.logo,
    timezone: org.timezone,
    requireMfa: false,
    createdAt: now.getTime(),
    updatedAt: now.getTime(),
    roles: [],
    memberCount: 1,
  };
  const view = organizationView(record);
  const orgExists = sql`EXISTS (SELECT 1 FROM ${organizations} WHERE ${organizations.id} = ${org.id})`;
  const actor = actorOf(principal);
  const [created] = await ctx.db.batch([
    insertRowWhere(
      ctx.db,
      organizations,
      org,
      users,
      and(
        eq(users.id, principal.user.id),
        eq(users.emailVerified, true),
        sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${and(eq(sessions.id, principal.sessionId), gt(sessions.expiresAt, now))})`,
      )!,
    ).returning({ id: organizations.id }),
    insertRowWhere(ctx.db, members, member, organizations, eq(organizations.id, org.id)),
    ctx.events.record("organization.created", view, null, { organizationId: org.id, actor, when: orgExists }),
    ctx.events.record(
      "member.added",
      memberViewIn(record, { ...member, joinedAt: now, email: principal.user.email, name: principal.user.name, emailVerified: true }),
      null,
      { organizationId: org.id, actor, when: orgExists },
    ),
  ]);
  if (created.length === 0) {
    // The session ended or the address is no longer verified (a squatter's reset) meanwhile.
    const live = await ctx.primary
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.id, principal.sessionId), gt(sessions.expiresAt, now)))
      .get();
    if (!live) throw unauthenticated();
    throw forbidden("Your account changed while this request ran, so nothing was created. Retry.");
  }
  return view;
}
