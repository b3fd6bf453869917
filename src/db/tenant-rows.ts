import { and, eq, getTableColumns, isNull, isSQLWrapper, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { ApiError, notFound } from "../lib/errors";
import { isAnyId } from "../lib/ids";
import type { Database } from "./client";

/**
 * The data-access helpers of tenant rows, in one place: the fetch-or-404 read (`findInOrg`), the
 * guarded writes of a read-decide-write change (`unchangedSince`, `updateInOrgIfUnchanged`,
 * `untilApplied`), the conditional insert (`insertRowWhere`), and what D1's refusals mean
 * (`isUniqueViolation`, `isRoleNotFound`). How services use them: src/services/README.md.
 */

/** What these helpers need of a request context (a RequestContext is one). */
export interface DbContext {
  db: Database;
}

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
export function findInOrg<T extends TenantTable>(
  ctx: DbContext,
  table: T,
  id: string,
  organizationId: string,
  what: string,
): Promise<T["$inferSelect"]>;
export function findInOrg<T extends TenantTable, Row>(
  ctx: DbContext,
  table: T,
  id: string,
  organizationId: string,
  what: string,
  from: Unfiltered<Row>,
): Promise<Row>;
export async function findInOrg<T extends TenantTable, Row>(
  ctx: DbContext,
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

/**
 * A guard for a read-decide-write change: the row still holds, column by column, what the change
 * read (NULL-safe). Put it in the WHERE of the guarded UPDATE so a concurrent change in between
 * makes it touch nothing (and its `when: previousStatementChanged` event go unwritten); then
 * `untilApplied` reads again and decides again. JSON columns compare through `json()` (SQLite's
 * canonical text), so a row written by other means still matches.
 */
export function unchangedSince(pairs: [column: SQLiteColumn, read: unknown][]): SQL {
  return and(
    ...pairs.map(([column, read]) => {
      if (read === null || read === undefined) return isNull(column);
      if (column.columnType === "SQLiteTextJson") return sql`json(${column}) = json(${JSON.stringify(read)})`;
      return eq(column, read);
    }),
  )!;
}

/** Returned by an `untilApplied` attempt whose guarded write found the row changed since its read. */
export const CHANGED_CONCURRENTLY = Symbol("changed concurrently");

/**
 * Optimistic concurrency: runs `attempt` (read, decide, one guarded batch) until its guard holds,
 * at most 5 times, after a short random pause that grows with each retry (so writers racing for one
 * row spread out instead of colliding again); a row that keeps changing under it is a 409
 * `conflict` the client may retry. A row deleted meanwhile is the attempt's own 404 on its next read.
 */
export async function untilApplied<T>(attempt: () => Promise<T | typeof CHANGED_CONCURRENTLY>): Promise<T> {
  for (let tries = 0; tries < UNTIL_APPLIED_ATTEMPTS; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * tries));
    const result = await attempt();
    if (result !== CHANGED_CONCURRENTLY) return result;
  }
  throw new ApiError("conflict", "The resource changed while this request applied its change: read it again and retry.");
}

const UNTIL_APPLIED_ATTEMPTS = 5;

/**
 * The guarded UPDATE of a read-decide-write change on a tenant row: `changes` to the row with this
 * id in this organization, only if the `read` columns still hold what was read (`unchangedSince`).
 * Returns the updated id, none when the guard did not hold. `also` adds a condition of its own
 * (the caller's standing, say). Put `ctx.events.record(…, { when: previousStatementChanged })`
 * right after it in the same batch.
 */
export function updateInOrgIfUnchanged<T extends TenantTable>(
  ctx: DbContext,
  table: T,
  id: string,
  organizationId: string,
  changes: Partial<T["$inferInsert"]>,
  read: [column: SQLiteColumn, read: unknown][],
  also?: SQL,
) {
  return ctx.db
    .update(table)
    .set(changes as never)
    .where(and(eq(table.id, id), eq(table.organizationId, organizationId), unchangedSince(read), also))
    .returning({ id: table.id });
}

/**
 * `INSERT INTO table (…every column…) SELECT <row's values> FROM from WHERE where` (a column the row
 * leaves out gets its declared default, as a plain INSERT would): the row is written only if `where` matches a row of `from` (at most one: give it a primary-key condition, or
 * a one-row subquery such as sql`(SELECT 1)`).
 * This is how a batch makes an insert depend on an earlier statement of the same batch (a claim),
 * with drizzle's own insert…select and every value bound.
 */
export function insertRowWhere<T extends SQLiteTable>(db: Database, table: T, row: T["$inferInsert"], from: SQLiteTable | SQL, where: SQL) {
  const values = row as Record<string, unknown>;
  const fields = Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, column]) => {
      // A column left out takes its declared default (as a plain INSERT would), else NULL.
      const col = column as SQLiteColumn;
      const value =
        values[key] !== undefined
          ? values[key]
          : col.hasDefault && col.default !== undefined && !isSQLWrapper(col.default)
            ? col.default
            : null;
      return [key, sql`${value === null ? null : col.mapToDriverValue(value)}`];
    }),
  );
  return db.insert(table).select(db.select(fields).from(from).where(where) as never);
}

/** True when D1 refused a write because of a UNIQUE index (the race-safe duplicate check). */
export function isUniqueViolation(error: unknown, indexOrColumn?: string): boolean {
  const text = String((error as { cause?: unknown })?.cause ?? "") + String(error);
  return text.includes("UNIQUE constraint failed") && (!indexOrColumn || text.includes(indexOrColumn));
}

/** True when D1 refused a write that gave a holder a role that no longer exists (migrations/0002 triggers). */
export function isRoleNotFound(error: unknown): boolean {
  const text = String((error as { cause?: unknown })?.cause ?? "") + String(error);
  return text.includes("role_not_found");
}
