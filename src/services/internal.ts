import { and, eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { RequestContext } from "../env";
import { notFound } from "../lib/errors";
import { isAnyId } from "../lib/ids";

/** A table whose rows belong to one organization. */
type TenantTable = SQLiteTable & { id: SQLiteColumn; organizationId: SQLiteColumn };

/** A select still waiting for its WHERE (for a row read with joins or a projection). */
interface Unfiltered<Row> {
  where(condition: SQL | undefined): { get(): Promise<Row | undefined> };
}

/**
 * The row with this id in this organization, or a 404 naming `what`: another organization's id is
 * the same 404 as an unknown one, and so is a malformed id (checked through lib/ids.ts, before any
 * read). `from` narrows the read (a projection, a join) over `table`.
 */
export function findInOrg<T extends TenantTable>(ctx: RequestContext, table: T, id: string, organizationId: string, what: string): Promise<T["$inferSelect"]>;
export function findInOrg<T extends TenantTable, Row>(
  ctx: RequestContext,
  table: T,
  id: string,
  organizationId: string,
  what: string,
  from: Unfiltered<Row>,
): Promise<Row>;
export async function findInOrg<T extends TenantTable, Row>(
  ctx: RequestContext,
  table: T,
  id: string,
  organizationId: string,
  what: string,
  from?: Unfiltered<Row>,
): Promise<Row | T["$inferSelect"]> {
  // A path id that is not even shaped like one of ours is the same 404, without a D1 read.
  if (!isAnyId(id)) throw notFound(what);
  const query: Unfiltered<Row | T["$inferSelect"]> = from ?? ctx.db.select().from(table);
  const row = await query.where(and(eq(table.id, id), eq(table.organizationId, organizationId))).get();
  if (!row) throw notFound(what);
  return row;
}
