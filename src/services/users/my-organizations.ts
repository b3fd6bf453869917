import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { RequestContext } from "../../context";
import { members, organizations, roles } from "../../db/schema";
import { decodeCursor, toPage } from "../../lib/pagination";
import { sessionCaller } from "../auth/guards";
import { resolveRole } from "../permissions/resolve";
import { isoTime, organizationView, roleRefView } from "../record-views";

/** The organizations the session's user belongs to, with the user's role in each (paginated). */
export async function listMyOrganizations({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const principal = sessionCaller(ctx);
  const after = decodeCursor(input.cursor, "mem");
  const userId = principal.user.id;

  const memberships = ctx.db
    .select({ memberId: members.id })
    .from(members)
    .where(and(eq(members.userId, userId), after ? gt(members.id, after) : undefined))
    .orderBy(asc(members.id))
    .limit(input.limit + 1);
  const [rows, orgRoles] = await ctx.db.batch([
    ctx.db
      .select({
        id: members.id,
        roleKey: members.roleKey,
        // Aliased: inside a D1 batch, rows come back as objects, so equal column names would collide.
        joinedAt: sql<number>`${members.createdAt}`.as("joined_at"),
        orgId: sql<string>`${organizations.id}`.as("org_id"),
        orgName: organizations.name,
        orgLogo: organizations.logo,
        orgTimezone: organizations.timezone,
        orgRequireMfa: organizations.requireMfa,
        orgCreatedAt: sql<number>`${organizations.createdAt}`.as("org_created_at"),
        orgUpdatedAt: sql<number>`${organizations.updatedAt}`.as("org_updated_at"),
      })
      .from(members)
      .innerJoin(organizations, eq(organizations.id, members.organizationId))
      .where(inArray(members.id, memberships))
      .orderBy(asc(members.id)),
    ctx.db
      .select()
      .from(roles)
      .where(
        inArray(roles.organizationId, ctx.db.select({ id: members.organizationId }).from(members).where(inArray(members.id, memberships))),
      ),
  ]);
  const page = toPage(rows, input.limit);
  return {
    data: page.data.map((row) => ({
      organization: organizationView({
        id: row.orgId,
        name: row.orgName,
        logo: row.orgLogo,
        timezone: row.orgTimezone,
        requireMfa: row.orgRequireMfa,
        createdAt: row.orgCreatedAt,
        updatedAt: row.orgUpdatedAt,
      }),
      role: roleRefView(
        resolveRole(
          row.roleKey,
          orgRoles.filter((r) => r.organizationId === row.orgId),
        ),
      ),
      memberId: row.id,
      joinedAt: isoTime(row.joinedAt),
    })),
    nextCursor: page.nextCursor,
  };
}
