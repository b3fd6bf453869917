import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { RequestContext } from "../../env";
import { members, organizations, roles } from "../../db/schema";
import { unauthenticated } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { callerOf } from "../auth/guards";
import { resolveRole } from "../permissions/resolve";
import { iso, organizationView, roleRefView } from "../views";

const MEMBER_ID = /^mem_[0-9A-Z]{26}$/;

/** The organizations the session's user belongs to, with the user's role in each (paginated). */
export async function listMyOrganizations({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const principal = callerOf(ctx);
  if (principal.kind !== "session") throw unauthenticated();
  const after = decodeCursor(input.cursor, MEMBER_ID);
  const userId = principal.user.id;

  const memberships = ctx.db
    .select({ memberId: members.id })
    .from(members)
    .where(and(eq(members.userId, userId), after ? gt(members.id, after) : undefined))
    .orderBy(asc(members.id))
    .limit(input.limit + 1);
  const [rows, orgRoles] = await ctx.db.batch([
    ctx.db
      .select({ id: members.id, roleKey: members.roleKey, joinedAt: members.createdAt, org: organizations })
      .from(members)
      .innerJoin(organizations, eq(organizations.id, members.organizationId))
      .where(inArray(members.id, memberships))
      .orderBy(asc(members.id)),
    ctx.db
      .select()
      .from(roles)
      .where(inArray(roles.organizationId, ctx.db.select({ id: members.organizationId }).from(members).where(inArray(members.id, memberships)))),
  ]);
  const page = toPage(rows, input.limit);
  return {
    data: page.data.map((row) => ({
      organization: organizationView({ ...row.org, createdAt: row.org.createdAt.getTime(), updatedAt: row.org.updatedAt.getTime() }),
      role: roleRefView(resolveRole(row.roleKey, orgRoles.filter((r) => r.organizationId === row.org.id))),
      memberId: row.id,
      joinedAt: iso(row.joinedAt),
    })),
    nextCursor: page.nextCursor,
  };
}
