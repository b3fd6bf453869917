import { and, eq, getTableColumns, gt, lte, or, sql, type SQL } from "drizzle-orm";
import { allRows, compile, selectList, type PageQuery } from "../../db/hand-sql";
import { invitations, type InvitationStatus } from "../../db/schema";
import { invitationsSearch, matches, rowidOf } from "../../db/schema/search";
import type { RequestContext } from "../../context";
import { decodeCursor, decodeSearchCursor, toPage, toSearchPage } from "../../lib/pagination";
import { ftsPhrase } from "../../lib/search";
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
 * The SQL of one invitations page (exported for test/app/query-plans.test.ts).
 * Without `q`: keyset on (organization_id, id), or (organization_id, status, id) with a status —
 * the page walks the index in order and stops after `limit + 1` rows. A pending invitation past its
 * expiry reads as `expired`, so `pending` also checks `expires_at` per row and `expired` reads
 * both stored states (the sweep keeps expired-but-pending rows few).
 * With `q`: the invitations_search FTS5 table (trigram over the email) matched on the organization
 * id and the needle, streamed in rowid order.
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
    const ofStatus = (() => {
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
    })();
    const where = and(
      matches(invitationsSearch, match),
      eq(orgColumn, organizationId),
      after !== undefined ? gt(searchRowid, after) : undefined,
      ofStatus,
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

/** One D1 query per page (a prepared statement on `ctx.d1`, the request's D1 session); `q` is an email substring of 3+ characters. */
export async function listInvitations({ ctx, input }: { ctx: RequestContext; input: ListInvitationsInput }) {
  const scope = requirePermission(ctx, "users.read");
  const search = input.q !== undefined;
  const after = search ? decodeSearchCursor(input.cursor) : decodeCursor(input.cursor, "inv");
  const query = invitationsPageQuery({
    organizationId: scope.organization.id,
    limit: input.limit,
    status: input.status,
    q: input.q?.toLowerCase(),
    after,
    now: Date.now(),
  });
  const page = search
    ? toSearchPage(await allRows(ctx.d1, query, invitationSearchColumns), input.limit)
    : toPage(await allRows(ctx.d1, query, invitationColumns), input.limit);
  return { data: page.data.map((row) => invitationView(row, scope.organization)), nextCursor: page.nextCursor };
}
