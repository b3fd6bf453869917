import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { members, users } from "../../db/schema";
import type { RequestContext } from "../../env";
import { ApiError, notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { roleIn } from "../permissions/role-in";
import { freshScope, requirePermission } from "../auth/guards";
import type { OrgScope } from "../auth/principal";
import { ADMIN_ROLE_KEY, roleKeyOf } from "../permissions/catalog";
import { assertCanGrant, assertOutranksOrEquals } from "../permissions/escalation";
import { findAssignableRole, unknownRole } from "../permissions/roles-in-org";
import { isRoleNotFound } from "../errors-db";
import { findInOrg } from "../internal";
import { memberViewIn, roleRefView } from "../views";
import { previousStatementChanged } from "../events/recorder";

interface MemberRow {
  id: string;
  roleKey: string;
  joinedAt: Date;
  userId: string;
  email: string;
  name: string;
  emailVerified: boolean;
}

const memberColumns = {
  id: members.id,
  roleKey: members.roleKey,
  joinedAt: members.createdAt,
  userId: users.id,
  email: users.email,
  name: users.name,
  emailVerified: users.emailVerified,
};

const memberView = (row: MemberRow, scope: OrgScope) => memberViewIn(scope.organization, row);

export interface ListMembersInput {
  limit: number;
  cursor?: string;
  role?: string;
  q?: string;
}

/** One D1 query per page: keyset on (organization_id, id), roles resolved from the cached org. */
export async function listMembers({ ctx, input }: { ctx: RequestContext; input: ListMembersInput }) {
  const scope = requirePermission(ctx, "users.read");
  const after = decodeCursor(input.cursor, "mem");
  const needle = input.q?.toLowerCase();
  const rows = await ctx.db
    .select(memberColumns)
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(
      and(
        eq(members.organizationId, scope.organization.id),
        after ? gt(members.id, after) : undefined,
        input.role ? eq(members.roleKey, roleKeyOf(input.role)) : undefined,
        needle ? or(sql`instr(lower(${users.name}), ${needle}) > 0`, sql`instr(${users.email}, ${needle}) > 0`) : undefined,
      ),
    )
    .orderBy(asc(members.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return { data: page.data.map((row) => memberView(row, scope)), nextCursor: page.nextCursor };
}

/** Members with their users, for findInOrg: a member of another organization is a 404. */
const memberRows = (ctx: RequestContext) => ctx.db.select(memberColumns).from(members).innerJoin(users, eq(users.id, members.userId));

/** SQL guard: the row may leave the Admin role only while another Admin remains. */
const anotherAdminRemains = (organizationId: string) =>
  sql`(${members.roleKey} <> ${ADMIN_ROLE_KEY} OR (SELECT count(*) FROM members AS m WHERE m.organization_id = ${organizationId} AND m.role_key = ${ADMIN_ROLE_KEY}) > 1)`;

const lastAdmin = () => new ApiError("last_admin", "An organization must keep at least one Admin. Make someone else Admin first.");

export async function changeMemberRole({ ctx, input }: { ctx: RequestContext; input: { memberId: string; role: string } }) {
  const scope = await freshScope(ctx, requirePermission(ctx, "users.update"));
  const target = await findInOrg(ctx, members, input.memberId, scope.organization.id, "Member", memberRows(ctx));
  assertOutranksOrEquals(scope, roleIn(scope.organization, target.roleKey));
  const { key, role } = findAssignableRole(scope.organization, input.role);
  assertCanGrant(scope, role.permissions);

  if (key !== target.roleKey) {
    // The last-admin guard lives in the UPDATE itself, so two concurrent demotions cannot both pass.
    // The role must still exist when the row is written: a trigger refuses it otherwise (migrations/0002).
    const view = memberView({ ...target, roleKey: key }, scope);
    const previous = { role: roleRefView(roleIn(scope.organization, target.roleKey)) };
    const [updated] = await ctx.db
      .batch([
        ctx.db
          .update(members)
          .set({ roleKey: key })
          .where(
            and(
              eq(members.id, target.id),
              eq(members.organizationId, scope.organization.id),
              key === ADMIN_ROLE_KEY ? undefined : anotherAdminRemains(scope.organization.id),
            ),
          )
          .returning({ id: members.id }),
        ctx.events.record("member.updated", view, previous, { when: previousStatementChanged }),
      ])
      .then(([rows]) => [rows[0]] as const)
      .catch((error: unknown) => {
        throw isRoleNotFound(error) ? unknownRole(input.role) : error;
      });
    if (!updated) throw target.roleKey === ADMIN_ROLE_KEY ? lastAdmin() : notFound("Member");
    await authCache.invalidateMembership(ctx, scope.organization.id, target.userId);
  }
  return memberView({ ...target, roleKey: key }, scope);
}

export async function removeMember({ ctx, input }: { ctx: RequestContext; input: { memberId: string } }) {
  const scope = requirePermission(ctx, "users.delete");
  const target = await findInOrg(ctx, members, input.memberId, scope.organization.id, "Member", memberRows(ctx));
  assertOutranksOrEquals(scope, roleIn(scope.organization, target.roleKey));
  const [[removed]] = await ctx.db.batch([
    ctx.db
      .delete(members)
      .where(and(eq(members.id, target.id), eq(members.organizationId, scope.organization.id), anotherAdminRemains(scope.organization.id)))
      .returning({ id: members.id }),
    ctx.events.record("member.removed", memberView(target, scope), null, { when: previousStatementChanged }),
  ]);
  if (!removed) throw target.roleKey === ADMIN_ROLE_KEY ? lastAdmin() : notFound("Member");
  // The removed user's sessions lose this organization on their next request.
  await authCache.invalidateMembership(ctx, scope.organization.id, target.userId);
}

