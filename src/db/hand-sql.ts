import { is, sql, type SQL } from "drizzle-orm";
import { SQLiteColumn, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";

/**
 * Hand-written SQL, one way: drizzle's `sql` tag with the schema's columns and tables interpolated
 * (names tied to src/db/schema, every value bound), compiled here and sent by the caller as one
 * prepared statement on its D1 handle (`ctx.d1`, the request's D1 session): one round trip, and no
 * query builder or drizzle session on a hot path. The rows are decoded by the same columns
 * (`mapFromDriverValue`: timestamps to Date, booleans), as drizzle's own select would.
 */

/** One statement as D1 takes it: the text and its bound values, in order. */
export interface PageQuery {
  sql: string;
  params: unknown[];
}

const dialect = new SQLiteSyncDialect();

export function compile(query: SQL): PageQuery {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { sql: text, params };
}

/** A SELECT list by name: a column of the schema (decoded like drizzle does) or an `sql<T>` value (read as is). */
export type Selection = Record<string, SQLiteColumn | SQL<unknown>>;

type ValueOf<C> =
  C extends SQLiteColumn<infer T> ? (T["notNull"] extends true ? T["data"] : T["data"] | null) : C extends SQL<infer V> ? V : never;

export type RowOf<S extends Selection> = { [K in keyof S]: ValueOf<S[K]> };

/** `<column> AS "<key>", …`: the row comes back keyed as the selection, whatever the join. */
export const selectList = (selection: Selection): SQL =>
  sql.join(
    Object.entries(selection).map(([key, value]) => sql`${value} AS ${sql.identifier(key)}`),
    sql`, `,
  );

export function decodeRow<S extends Selection>(selection: S, raw: Record<string, unknown>): RowOf<S> {
  const row: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(selection)) {
    const value = raw[key] ?? null;
    row[key] = value !== null && is(source, SQLiteColumn) ? source.mapFromDriverValue(value) : value;
  }
  return row as RowOf<S>;
}

/** Runs one compiled SELECT on `d1` (one round trip) and decodes its rows by `selection`. */
export async function allRows<S extends Selection>(d1: D1Database, query: PageQuery, selection: S): Promise<RowOf<S>[]> {
  const { results } = await d1
    .prepare(query.sql)
    .bind(...query.params)
    .all<Record<string, unknown>>();
  return results.map((raw) => decodeRow(selection, raw));
}
