import { and, eq, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { members, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError } from "../../lib/errors";
import { decodeCursor, decodeSearchCursor, toPage, toSearchPage } from "../../lib/pagination";
import { ftsPhrase } from "../../lib/search";
import { roleIn } from "../permissions/role-in";
import { freshScope, requirePermission } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import type { OrgScope } from "../auth/principal";
import { ADMIN_ROLE_KEY, roleKeyOf } from "../../domain/permissions";
import { assertCanGrant, assertOutranksOrEquals } from "../permissions/escalation";
import { findAssignableRole, unknownRole } from "../permissions/roles-in-org";
import { permissionCatalog } from "../../domain/permissions";
import { isRoleNotFound } from "../errors-db";
import { CHANGED_CONCURRENTLY, findInOrg, untilApplied } from "../internal";
import { memberViewIn, roleRefView } from "../record-views";
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

export interface PageQuery {
  sql: string;
  params: (string | number)[];
}

const MEMBER_SELECT =
  "SELECT m.id, m.role_key, m.created_at, u.id AS user_id, u.email, u.name, u.email_verified";

/**
 * The SQL of one members page (exported so test/app/query-plans.test.ts can EXPLAIN exactly it).
 * Without `q`: keyset on (organization_id, id), or (organization_id, role_key, id) with a role.
 * With `q`: the members_search FTS5 table (trigram) matched on the organization id and the needle,
 * streamed in its rowid order, which the keyset follows — no sort, no scan, whatever the org's size.
 */
export function membersPageQuery(input: { organizationId: string; limit: number; roleKey?: string; q?: string; after?: string | number }): PageQuery {
  const params: (string | number)[] = [];
  const bind = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  if (input.q !== undefined) {
    const match = `org_id : ${ftsPhrase(input.organizationId)} AND {name email} : ${ftsPhrase(input.q)}`;
    return {
      sql:
        `${MEMBER_SELECT}, members_search.rowid AS search_rowid FROM members_search JOIN members m ON m.rowid = members_search.rowid JOIN users u ON u.id = m.user_id` +
        ` WHERE members_search MATCH ${bind(match)} AND m.organization_id = ${bind(input.organizationId)}` +
        (input.after !== undefined ? ` AND members_search.rowid > ${bind(input.after)}` : "") +
        (input.roleKey !== undefined ? ` AND m.role_key = ${bind(input.roleKey)}` : "") +
        ` ORDER BY members_search.rowid LIMIT ${bind(input.limit + 1)}`,
      params,
    };
  }
  return {
    sql:
      `${MEMBER_SELECT} FROM members m JOIN users u ON u.id = m.user_id WHERE m.organization_id = ${bind(input.organizationId)}` +
      (input.roleKey !== undefined ? ` AND m.role_key = ${bind(input.roleKey)}` : "") +
      (input.after !== undefined ? ` AND m.id > ${bind(input.after)}` : "") +
      ` ORDER BY m.id LIMIT ${bind(input.limit + 1)}`,
    params,
  };
}

interface RawMemberRow {
  id: string;
  role_key: string;
  created_at: number;
  user_id: string;
  email: string;
  name: string;
  email_verified: number;
  search_rowid?: number;
}

const fromRaw = (r: RawMemberRow) => ({
  id: r.id,
  roleKey: r.role_key,
  joinedAt: new Date(r.created_at),
  userId: r.user_id,
  email: r.email,
  name: r.name,
  emailVerified: r.email_verified === 1,
  searchRowid: r.search_rowid ?? 0,
});

/**
 * One D1 query per page, sent as a prepared statement straight to D1 (the hot list path: no query
 * builder on the way); roles resolved from the cached org.
 */
export async function listMembers({ ctx, input }: { ctx: RequestContext; input: ListMembersInput }) {
  const scope = requirePermission(ctx, "users.read");
  const search = input.q !== undefined;
  const after = search ? decodeSearchCursor(input.cursor) : decodeCursor(input.cursor, "mem");
  const query = membersPageQuery({
    organizationId: scope.organization.id,
    limit: input.limit,
    roleKey: input.role ? roleKeyOf(input.role) : undefined,
    q: input.q,
    after,
  });
  const { results } = await ctx.d1.prepare(query.sql)
    .bind(...query.params)
    .all<RawMemberRow>();
  const rows = results.map(fromRaw);
  const page = search ? toSearchPage(rows, input.limit) : toPage(rows, input.limit);
  return { data: page.data.map((row) => memberView(row, scope)), nextCursor: page.nextCursor };
}

/** Members with their users, for findInOrg: a member of another organization is a 404. */
const memberRows = (ctx: RequestContext) => ctx.db.select(memberColumns).from(members).innerJoin(users, eq(users.id, members.userId));

/** SQL guard: the row may leave the Admin role only while another Admin remains. */
const anotherAdminRemains = (organizationId: string) =>
  sql`(${members.roleKey} <> ${ADMIN_ROLE_KEY} OR (SELECT count(*) FROM members AS m WHERE m.organization_id = ${organizationId} AND m.role_key = ${ADMIN_ROLE_KEY}) > 1)`;

const lastAdmin = () => new ApiError("last_admin", "An organization must keep at least one Admin. Make someone else Admin first.");

/**
 * Moves a member to another role. The caller may change only a member whose role it covers, and that
 * check is made on the role read here: the UPDATE is guarded on the member still holding it, so a
 * concurrent change (a promotion to Admin, say) makes this one read again and check again instead
 * of landing on the new role (`untilApplied`). The last-admin rule lives in the same UPDATE.
 */
export function changeMemberRole({ ctx, input }: { ctx: RequestContext; input: { memberId: string; role: string } }) {
  return untilApplied(async () => {
    const scope = await freshScope(ctx, requirePermission(ctx, "users.update"));
    const target = await findInOrg(ctx, members, input.memberId, scope.organization.id, "Member", memberRows(ctx));
    assertOutranksOrEquals(scope, roleIn(scope.organization, target.roleKey, permissionCatalog(ctx.env)));
    const { key, role } = findAssignableRole(scope.organization, input.role, permissionCatalog(ctx.env));
    assertCanGrant(scope, role.permissions);
    if (key === target.roleKey) return memberView(target, scope);

    // The role must still exist when the row is written: a trigger refuses it otherwise (migrations/0002).
    const view = memberView({ ...target, roleKey: key }, scope);
    const previous = { role: roleRefView(roleIn(scope.organization, target.roleKey)) };
    const standing = callerStanding(ctx, scope);
    const [updated] = await ctx.db
      .batch([
        ctx.db
          .update(members)
          .set({ roleKey: key })
          .where(
            and(
              eq(members.id, target.id),
              eq(members.organizationId, scope.organization.id),
              eq(members.roleKey, target.roleKey),
              key === ADMIN_ROLE_KEY ? undefined : anotherAdminRemains(scope.organization.id),
              // The caller still stands where its checks were made (a grant of a role, like minting a key).
              standing.holds,
            ),
          )
          .returning({ id: members.id }),
        ctx.events.record("member.updated", view, previous, { when: previousStatementChanged }),
      ])
      .then(([rows]) => [rows[0]] as const)
      .catch((error: unknown) => {
        throw isRoleNotFound(error) ? unknownRole(input.role) : error;
      });
    if (!updated) {
      await assertCallerStands(ctx, scope, standing);
      return whyUnchanged(ctx, scope.organization.id, target);
    }
    await authCache.invalidateMembership(ctx, scope.organization.id, target.userId);
    return view;
  });
}

/** Removes a member, guarded like `changeMemberRole`: on the role the caller's check was made on, and on another Admin remaining. */
export async function removeMember({ ctx, input }: { ctx: RequestContext; input: { memberId: string } }) {
  const scope = requirePermission(ctx, "users.delete");
  await untilApplied(async () => {
    const target = await findInOrg(ctx, members, input.memberId, scope.organization.id, "Member", memberRows(ctx));
    assertOutranksOrEquals(scope, roleIn(scope.organization, target.roleKey, permissionCatalog(ctx.env)));
    const [[removed]] = await ctx.db.batch([
      ctx.db
        .delete(members)
        .where(
          and(
            eq(members.id, target.id),
            eq(members.organizationId, scope.organization.id),
            eq(members.roleKey, target.roleKey),
            anotherAdminRemains(scope.organization.id),
          ),
        )
        .returning({ id: members.id }),
      ctx.events.record("member.removed", memberView(target, scope), null, { when: previousStatementChanged }),
    ]);
    if (!removed) return whyUnchanged(ctx, scope.organization.id, target);
    // The removed user's sessions lose this organization on their next request.
    await authCache.invalidateMembership(ctx, scope.organization.id, target.userId);
  });
}

/**
 * Why a guarded member write touched nothing: the member is gone (404), its role changed since the
 * read (read again and decide again), or it is the last Admin (409 `last_admin`).
 */
async function whyUnchanged(ctx: RequestContext, organizationId: string, target: { id: string; roleKey: string }): Promise<typeof CHANGED_CONCURRENTLY> {
  const now = await findInOrg(ctx, members, target.id, organizationId, "Member");
  if (now.roleKey !== target.roleKey) return CHANGED_CONCURRENTLY;
  if (target.roleKey === ADMIN_ROLE_KEY) throw lastAdmin();
  return CHANGED_CONCURRENTLY;
}

