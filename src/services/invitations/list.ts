import { and, eq, getTableColumns, gt, lte, or, sql, type SQL } from "drizzle-orm";
import { allRows, compile, selectList, type PageQuery } from "../../db/hand-sql";
import { invitations, type InvitationStatus } from "../../db/schema";
import { invitationsSearch, matches, rowidOf } from "../../db/schema/search";
import type { RequestContext } from "../../context";
import { decodeCursor, decodeSearchCursor, toPage, toSearchPage } from "../../lib/pagination";
import { ftsPhrase, SEARCH_WALK_LIMIT, searchFold, searchWalks, walkedSearchPage } from "../../lib/search";
import { requirePermission } from "../auth/guards";
import { invitationView } from "./internal";

export interface ListInvitationsInput {
  limit: number;
  cursor?: string;
  status?: InvitationStatus;
  q?: string;
}

const invitationColumns = getTableColumns(invitations);

/** A page row of the search: the invitation and the FTS5 rowid its keyset follows. */
const invitationSearchColumns = { ...invitationColumns, searchRowid: rowidOf(invitationsSearch) };

/**
 * A search's status filter, row by row (a search is in rowid order, not status order): a pending
 * invitation past its expiry reads as `expired`, as everywhere else.
 */
function searchStatusFilter(status: InvitationStatus | undefined, now: Date): SQL | undefined {
  const { status: statusColumn, expiresAt } = invitations;
  switch (status) {
    case undefined:
      return undefined;
    case "pending":
      return and(eq(statusColumn, "pending"), gt(expiresAt, now));
    case "expired":
      return or(eq(statusColumn, "expired"), and(eq(statusColumn, "pending"), lte(expiresAt, now)));
    default:
      return eq(statusColumn, status);
  }
}

/**
 * The SQL of one invitations page (exported for test/app/query-plans.test.ts).
 * Without `q`: keyset on (organization_id, id), or (organization_id, status, id) with a status —
 * the page walks the index in order and stops after `limit + 1` rows. A pending invitation past its
 * expiry reads as `expired`, so `pending` also checks `expires_at` per row and `expired` reads
 * both stored states (the sweep keeps expired-but-pending rows few).
 * With `q`: the invitations_search FTS5 table (trigram over the email) matched on the organization
 * id and the needle, streamed in rowid order (a small organization walks its own rows instead:
 * invitationsWalkQuery).
 */
export function invitationsPageQuery(input: {
  organizationId: string;
  limit: number;
  status?: InvitationStatus;
  q?: string;
  after?: string | number;
  now: number;
}): PageQuery {
  const { organizationId, status, after } = input;
  const now = new Date(input.now);
  const limit = input.limit + 1;
  const { id, organizationId: orgColumn, status: statusColumn, expiresAt } = invitations;
  if (input.q !== undefined) {
    // FTS5 (MATCH, rowid) has no drizzle form: the virtual table is named in db/schema/search.ts.
    const match = `org_id : ${ftsPhrase(organizationId)} AND email : ${ftsPhrase(input.q)}`;
    const searchRowid = rowidOf(invitationsSearch);
    const where = and(
      matches(invitationsSearch, match),
      eq(orgColumn, organizationId),
      after !== undefined ? gt(searchRowid, after) : undefined,
      searchStatusFilter(status, now),
    );
    return compile(
      sql`SELECT ${selectList(invitationSearchColumns)} FROM ${invitationsSearch} JOIN ${invitations} ON ${rowidOf(invitations)} = ${searchRowid} WHERE ${where} ORDER BY ${searchRowid} LIMIT ${limit}`,
    );
  }
  const afterId = String(after ?? "");
  // INDEXED BY pins the keyset index: without statistics the planner may prefer the sweep's
  // (status, expires_at) index and sort the whole organization's rows. (drizzle has no INDEXED BY;
  // the index names are the schema's, src/db/schema/invitations.ts.)
  const indexedBy = (index: string) => sql`${invitations} INDEXED BY ${sql.identifier(index)}`;
  const select = sql`SELECT ${selectList(invitationColumns)} FROM`;
  const byStatusWhere = (stored: InvitationStatus, extra?: SQL) =>
    sql`${select} ${indexedBy("invitations_organization_id_status_id_idx")} WHERE ${and(eq(orgColumn, organizationId), eq(statusColumn, stored), gt(id, afterId), extra)}`;
  const byStatus = (stored: InvitationStatus, extra?: SQL) => compile(sql`${byStatusWhere(stored, extra)} ORDER BY ${id} LIMIT ${limit}`);
  switch (status) {
    case undefined:
      return compile(
        sql`${select} ${indexedBy("invitations_organization_id_id_idx")} WHERE ${and(eq(orgColumn, organizationId), gt(id, afterId))} ORDER BY ${id} LIMIT ${limit}`,
      );
    case "pending":
      return byStatus("pending", gt(expiresAt, now));
    case "expired": {
      // Stored 'expired' (an ordered index walk) merged with pending-past-expiry rows not yet swept,
      // found through the sweep's (status, expires_at) index: only the few the sweep has not reached
      // yet (≤ 15 minutes of expiries, platform-wide) are read and sorted, never the live pending ones.
      const unswept = sql`${select} ${indexedBy("invitations_status_expires_at_idx")} WHERE ${and(eq(statusColumn, "pending"), lte(expiresAt, now), eq(orgColumn, organizationId), gt(id, afterId))}`;
      return compile(sql`${byStatusWhere("expired")} UNION ALL ${unswept} ORDER BY 1 LIMIT ${limit}`);
    }
    default:
      return byStatus(status);
  }
}

/**
 * Organizations up to this many invitations (whatever their status) search by walking their own;
 * larger ones through the full-text index (why: SEARCH_WALK_LIMIT, lib/search.ts). The choice
 * follows the cached organization's stored total (organizations.invitation_count, migrations/0013).
 */
export const INVITATION_SEARCH_WALK_LIMIT = SEARCH_WALK_LIMIT;

/** A row of the walk: the invitation and its own rowid, the position the search cursor holds. */
const invitationWalkColumns = { ...invitationColumns, searchRowid: rowidOf(invitations) };

/**
 * A small organization's search page: its invitations after the cursor in rowid order (the order
 * the full-text search returns), with the search's status filter, at most
 * INVITATION_SEARCH_WALK_LIMIT + 1 rows; the email is matched in the Worker (`walkedSearchPage`).
 */
export function invitationsWalkQuery(input: { organizationId: string; status?: InvitationStatus; after?: number; now: number }): PageQuery {
  const rowid = rowidOf(invitations);
  const where = and(
    eq(invitations.organizationId, input.organizationId),
    searchStatusFilter(input.status, new Date(input.now)),
    input.after !== undefined ? gt(rowid, input.after) : undefined,
  );
  // Pinned: the (organization_id) index lists an organization's rows in rowid order; the others on
  // organization_id (by id, by status) would need a sort.
  return compile(
    sql`SELECT ${selectList(invitationWalkColumns)} FROM ${invitations} INDEXED BY invitations_organization_id_rowid_idx WHERE ${where} ORDER BY ${rowid} LIMIT ${INVITATION_SEARCH_WALK_LIMIT + 1}`,
  );
}

/** What the trigram index matches, said in JavaScript: a case-insensitive substring of the email. */
const emailMatches = (needle: string) => (row: { email: string }) => searchFold(row.email).includes(needle);

/**
 * One D1 query per page (a prepared statement on `ctx.d1`, the request's D1 session); `q` is an
 * email substring of 3+ characters, searched by walking a small organization's own invitations
 * (INVITATION_SEARCH_WALK_LIMIT) and through the full-text index otherwise.
 */
export async function listInvitations({ ctx, input }: { ctx: RequestContext; input: ListInvitationsInput }) {
  const scope = requirePermission(ctx, "users.read");
  const search = input.q !== undefined;
  const after = search ? decodeSearchCursor(input.cursor) : decodeCursor(input.cursor, "inv");
  const now = Date.now();
  if (input.q !== undefined && searchWalks(scope.organization.invitationCount)) {
    const query = invitationsWalkQuery({
      organizationId: scope.organization.id,
      status: input.status,
      after: after as number | undefined,
      now,
    });
    const walked = await allRows(ctx.d1, query, invitationWalkColumns);
    const page = walkedSearchPage(walked, emailMatches(searchFold(input.q)), input.limit);
    return { data: page.data.map((row) => invitationView(row, scope.organization)), nextCursor: page.nextCursor };
  }
  const query = invitationsPageQuery({
    organizationId: scope.organization.id,
    limit: input.limit,
    status: input.status,
    q: input.q === undefined ? undefined : searchFold(input.q),
    after,
    now,
  });
  const page = search
    ? toSearchPage(await allRows(ctx.d1, query, invitationSearchColumns), input.limit)
    : toPage(await allRows(ctx.d1, query, invitationColumns), input.limit);
  return { data: page.data.map((row) => invitationView(row, scope.organization)), nextCursor: page.nextCursor };
}
