import type { InvitationStatus } from "../../db/schema";
import type { RequestContext } from "../../context";
import { decodeCursor, decodeSearchCursor, toPage, toSearchPage } from "../../lib/pagination";
import { ftsPhrase } from "../../lib/search";
import { requirePermission } from "../auth/guards";
import { invitationView, type InvitationRow } from "./internal";

export interface ListInvitationsInput {
  limit: number;
  cursor?: string;
  status?: InvitationStatus;
  q?: string;
}

export interface PageQuery {
  sql: string;
  params: (string | number)[];
}

const COLUMNS = [
  "i.id",
  "i.organization_id AS organizationId",
  "i.email",
  "i.role_key AS roleKey",
  "i.status",
  "i.token_hash AS tokenHash",
  "i.inviter_type AS inviterType",
  "i.inviter_id AS inviterId",
  "i.inviter_name AS inviterName",
  "i.expires_at AS expiresAt",
  "i.created_at AS createdAt",
  "i.accepted_at AS acceptedAt",
  "i.accepted_member_id AS acceptedMemberId",
  "i.email_id AS emailId",
  "i.delivery_status AS deliveryStatus",
  "i.delivery_error AS deliveryError",
].join(", ");

/**
 * The SQL of one invitations page (exported for test/app/query-plans.test.ts).
 * Without `q`: keyset on (organization_id, id), or (organization_id, status, id) with a status —
 * the page walks the index in order and stops after `limit + 1` rows. A pending invitation past its
 * expiry reads as `expired`, so `pending` also checks `expires_at` per row and `expired` reads
 * both stored states (the sweep keeps expired-but-pending rows few).
 * With `q`: the invitations_search FTS5 table (trigram over the email) matched on the organization
 * id and the needle, streamed in rowid order.
 */
export function invitationsPageQuery(input: { organizationId: string; limit: number; status?: InvitationStatus; q?: string; after?: string | number; now: number }): PageQuery {
  const params: (string | number)[] = [];
  const bind = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  const searchStatusClause = () => {
    switch (input.status) {
      case undefined:
        return "";
      case "pending":
        return ` AND i.status = 'pending' AND i.expires_at > ${bind(input.now)}`;
      case "expired":
        return ` AND (i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= ${bind(input.now)}))`;
      default:
        return ` AND i.status = ${bind(input.status)}`;
    }
  };
  if (input.q !== undefined) {
    const match = `org_id : ${ftsPhrase(input.organizationId)} AND email : ${ftsPhrase(input.q)}`;
    return {
      sql:
        `SELECT ${COLUMNS}, invitations_search.rowid AS searchRowid FROM invitations_search JOIN invitations i ON i.rowid = invitations_search.rowid` +
        ` WHERE invitations_search MATCH ${bind(match)} AND i.organization_id = ${bind(input.organizationId)}` +
        (input.after !== undefined ? ` AND invitations_search.rowid > ${bind(input.after)}` : "") +
        searchStatusClause() +
        ` ORDER BY invitations_search.rowid LIMIT ${bind(input.limit + 1)}`,
      params,
    };
  }
  const org = bind(input.organizationId);
  const after = bind(input.after ?? "");
  const limit = bind(input.limit + 1);
  // INDEXED BY pins the keyset index: without statistics the planner may prefer the sweep's
  // (status, expires_at) index and sort the whole organization's rows.
  const byStatusWhere = (status: string, extra = "") =>
    `SELECT ${COLUMNS} FROM invitations i INDEXED BY invitations_organization_id_status_id_idx` +
    ` WHERE i.organization_id = ${org} AND i.status = ${status} AND i.id > ${after}${extra}`;
  const byStatus = (status: string, extra = "") => `${byStatusWhere(status, extra)} ORDER BY i.id LIMIT ${limit}`;
  switch (input.status) {
    case undefined:
      return {
        sql: `SELECT ${COLUMNS} FROM invitations i INDEXED BY invitations_organization_id_id_idx WHERE i.organization_id = ${org} AND i.id > ${after} ORDER BY i.id LIMIT ${limit}`,
        params,
      };
    case "pending":
      return { sql: byStatus("'pending'", ` AND i.expires_at > ${bind(input.now)}`), params };
    case "expired": {
      // Stored 'expired' (an ordered index walk) merged with pending-past-expiry rows not yet swept,
      // found through the sweep's (status, expires_at) index: only the few the sweep has not reached
      // yet (≤ 15 minutes of expiries, platform-wide) are read and sorted, never the live pending ones.
      const now = bind(input.now);
      const unswept =
        `SELECT ${COLUMNS} FROM invitations i INDEXED BY invitations_status_expires_at_idx` +
        ` WHERE i.status = 'pending' AND i.expires_at <= ${now} AND i.organization_id = ${org} AND i.id > ${after}`;
      return { sql: `${byStatusWhere("'expired'")} UNION ALL ${unswept} ORDER BY 1 LIMIT ${limit}`, params };
    }
    default:
      return { sql: byStatus(bind(input.status)), params };
  }
}

type RawInvitationRow = Omit<InvitationRow, "expiresAt" | "createdAt" | "acceptedAt"> & {
  expiresAt: number;
  createdAt: number;
  acceptedAt: number | null;
  searchRowid?: number;
};

const fromRaw = (r: RawInvitationRow): InvitationRow & { searchRowid: number } => ({
  ...r,
  expiresAt: new Date(r.expiresAt),
  createdAt: new Date(r.createdAt),
  acceptedAt: r.acceptedAt === null ? null : new Date(r.acceptedAt),
  searchRowid: r.searchRowid ?? 0,
});

/** One D1 query per page (a prepared statement); `q` is an email substring of 3+ characters. */
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
  const { results } = await ctx.d1.prepare(query.sql)
    .bind(...query.params)
    .all<RawInvitationRow>();
  const rows = results.map(fromRaw);
  const page = search ? toSearchPage(rows, input.limit) : toPage(rows, input.limit);
  return { data: page.data.map(({ searchRowid: _, ...row }) => invitationView(row, scope.organization)), nextCursor: page.nextCursor };
}
