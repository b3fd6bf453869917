import { getTableColumns, isSQLWrapper, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

/**
 * `INSERT INTO table (…every column…) SELECT <row's values> FROM from WHERE where` (a column the row
 * leaves out gets its declared default): the row is
 * written only if `where` matches a row of `from` (at most one: give it a primary-key condition).
 * This is how a batch makes an insert depend on an earlier statement of the same batch (a claim),
 * with drizzle's own insert…select and every value bound.
 */
export function insertRowWhere<T extends SQLiteTable>(db: Database, table: T, row: T["$inferInsert"], from: SQLiteTable, where: SQL) {
  const values = row as Record<string, unknown>;
  const fields = Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, column]) => {
      // A column left out takes its declared default (as a plain INSERT would), else NULL.
      const col = column as SQLiteColumn;
      const value = values[key] !== undefined ? values[key] : col.hasDefault && col.default !== undefined && !isSQLWrapper(col.default) ? col.default : null;
      return [key, sql`${value === null ? null : col.mapToDriverValue(value)}`];
    }),
  );
  return db.insert(table).select(db.select(fields).from(from).where(where) as never);
}
