import { and, eq, gt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { authCache } from "../../cache/auth-cache";
import { members, users } from "../../db/schema";
import { matches, membersSearch, rowidOf } from "../../db/schema/search";
import { allRows, compile, selectList, type PageQuery } from "../../db/hand-sql";
import type { RequestContext } from "../../context";
import { ApiError } from "../../lib/errors";
import { decodeCursor, decodeSearchCursor, toPage, toSearchPage } from "../../lib/pagination";
import { ftsPhrase, SEARCH_WALK_LIMIT, searchFold, searchWalks, walkedSearchPage } from "../../lib/search";
import { roleIn } from "../permissions/role-in";
import { freshScope, requirePermission } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import type { OrgScope } from "../auth/principal";
import { ADMIN_ROLE_KEY, roleKeyOf } from "../../domain/permissions";
import { assertCanGrant, assertOutranksOrEquals } from "../permissions/escalation";
import { findAssignableRole, unknownRole } from "../permissions/roles-in-org";
import { CHANGED_CONCURRENTLY, findInOrg, isRoleNotFound, untilApplied } from "../../db/tenant-rows";
import { permissionCatalog } from "../../domain/permissions";
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

/** A member row with its user's fields, as every member view reads it (members joined with users). */
export const memberColumns = {
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

/** A page row of the search: the member and the FTS5 rowid its keyset follows. */
const memberSearchColumns = { ...memberColumns, searchRowid: rowidOf(membersSearch) };

/**
 * The SQL of one members page (exported so test/app/query-plans.test.ts can EXPLAIN exactly it).
 * Without `q`: keyset on (organization_id, id), or (organization_id, role_key, id) with a role.
 * With `q`: the members_search FTS5 table (trigram) matched on the organization id and the needle,
 * streamed in its rowid order, which the keyset follows — no sort, no scan, whatever the org's size.
 */
export function membersPageQuery(input: {
  organizationId: string;
  limit: number;
  roleKey?: string;
  q?: string;
  after?: string | number;
}): PageQuery {
  const { organizationId, roleKey, after } = input;
  const ofRole = roleKey !== undefined ? eq(members.roleKey, roleKey) : undefined;
  if (input.q !== undefined) {
    // FTS5 (MATCH, rowid) has no drizzle form: the virtual table is named in db/schema/search.ts.
    const match = `org_id : ${ftsPhrase(organizationId)} AND {name email} : ${ftsPhrase(input.q)}`;
    const searchRowid = rowidOf(membersSearch);
    const from = sql`${membersSearch} JOIN ${members} ON ${rowidOf(members)} = ${searchRowid} JOIN ${users} ON ${users.id} = ${members.userId}`;
    const where = and(
      matches(membersSearch, match),
      eq(members.organizationId, organizationId),
      after !== undefined ? gt(searchRowid, after) : undefined,
      ofRole,
    );
    return compile(
      sql`SELECT ${selectList(memberSearchColumns)} FROM ${from} WHERE ${where} ORDER BY ${searchRowid} LIMIT ${input.limit + 1}`,
    );
  }
  const from = sql`${members} JOIN ${users} ON ${users.id} = ${members.userId}`;
  const where = and(eq(members.organizationId, organizationId), ofRole, after !== undefined ? gt(members.id, String(after)) : undefined);
  return compile(sql`SELECT ${selectList(memberColumns)} FROM ${from} WHERE ${where} ORDER BY ${members.id} LIMIT ${input.limit + 1}`);
}

/**
 * Organizations up to this many members search by walking their own rows; larger ones through the
 * full-text index (why: SEARCH_WALK_LIMIT, lib/search.ts). The choice follows the cached
 * organization's member count.
 */
export const MEMBER_SEARCH_WALK_LIMIT = SEARCH_WALK_LIMIT;

/**
 * A small organization's search page: its members after the cursor in rowid order (the order the
 * full-text search returns, so one cursor serves both ways and an organization crossing the size
 * threshold between two pages loses nothing), at most MEMBER_SEARCH_WALK_LIMIT + 1 rows.
 */
export function membersWalkQuery(input: { organizationId: string; roleKey?: string; after?: number }): PageQuery {
  const rowid = rowidOf(members);
  const where = and(
    eq(members.organizationId, input.organizationId),
    input.roleKey !== undefined ? eq(members.roleKey, input.roleKey) : undefined,
    input.after !== undefined ? gt(rowid, input.after) : undefined,
  );
  // Pinned: the (organization_id) index lists an organization's rows in rowid order; any other
  // index on organization_id would need a sort.
  const from = sql`${members} INDEXED BY members_organization_id_rowid_idx JOIN ${users} ON ${users.id} = ${members.userId}`;
  return compile(
    sql`SELECT ${selectList({ ...memberColumns, searchRowid: rowid })} FROM ${from} WHERE ${where} ORDER BY ${rowid} LIMIT ${MEMBER_SEARCH_WALK_LIMIT + 1}`,
  );
}

/**
 * What the trigram index matches, said in JavaScript: a case-insensitive substring of the name or
 * of the email (each on its own, never across the two).
 */
const memberMatches = (needle: string) => (row: { name: string; email: string }) =>
  searchFold(row.name).includes(needle) || searchFold(row.email).includes(needle);

/**
 * One D1 query per page, sent as a prepared statement on the request's D1 session (`ctx.d1`: the hot
 * list path, no query builder on the way); roles resolved from the cached org. A search walks a
 * small organization's own rows (MEMBER_SEARCH_WALK_LIMIT) and uses the full-text index otherwise.
 */
export async function listMembers({ ctx, input }: { ctx: RequestContext; input: ListMembersInput }) {
  const scope = requirePermission(ctx, "users.read");
  const search = input.q !== undefined;
  const after = search ? decodeSearchCursor(input.cursor) : decodeCursor(input.cursor, "mem");
  const roleKey = input.role ? roleKeyOf(input.role) : undefined;
  if (input.q !== undefined && searchWalks(scope.organization.memberCount)) {
    const query = membersWalkQuery({ organizationId: scope.organization.id, roleKey, after: after as number | undefined });
    const walked = await allRows(ctx.d1, query, { ...memberColumns, searchRowid: rowidOf(members) });
    const page = walkedSearchPage(walked, memberMatches(searchFold(input.q)), input.limit);
    return { data: page.data.map((row) => memberView(row, scope)), nextCursor: page.nextCursor };
  }
  const query = membersPageQuery({ organizationId: scope.organization.id, limit: input.limit, roleKey, q: input.q, after });
  const page = search
    ? toSearchPage(await allRows(ctx.d1, query, memberSearchColumns), input.limit)
    : toPage(await allRows(ctx.d1, query, memberColumns), input.limit);
  return { data: page.data.map((row) => memberView(row, scope)), nextCursor: page.nextCursor };
}

/** Members with their users, for findInOrg: a member of another organization is a 404. */
const memberRows = (ctx: RequestContext) => ctx.db.select(memberColumns).from(members).innerJoin(users, eq(users.id, members.userId));

/**
 * The count inside the UPDATE/DELETE of `members` reads `members` again: the alias keeps the two
 * apart (a raw alias is unavoidable in a correlated self-read; drizzle renders it `"m"`).
 */
const otherAdmins = alias(members, "m");

/** SQL guard: the row may leave the Admin role only while another Admin remains. */
export const anotherAdminRemains = (organizationId: string) =>
  sql`(${members.roleKey} <> ${ADMIN_ROLE_KEY} OR (SELECT count(*) FROM ${members} AS ${otherAdmins} WHERE ${otherAdmins.organizationId} = ${organizationId} AND ${otherAdmins.roleKey} = ${ADMIN_ROLE_KEY}) > 1)`;

export const lastAdmin = () => new ApiError("last_admin", "An organization must keep at least one Admin. Make someone else Admin first.");

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
async function whyUnchanged(
  ctx: RequestContext,
  organizationId: string,
  target: { id: string; roleKey: string },
): Promise<typeof CHANGED_CONCURRENTLY> {
  const now = await findInOrg(ctx, members, target.id, organizationId, "Member");
  if (now.roleKey !== target.roleKey) return CHANGED_CONCURRENTLY;
  if (target.roleKey === ADMIN_ROLE_KEY) throw lastAdmin();
  return CHANGED_CONCURRENTLY;
}
