/**
 * Stands in for drizzle-orm's `pg-core/columns/enum.js` in the deployed bundle (wrangler.toml
 * `[alias]`): `sql/sql.js` imports `isPgEnum` from it to render Postgres enums, which drags in
 * pg-core's column base, foreign keys and unique constraints (~6 KiB minified). This is a SQLite
 * worker: no Postgres enum ever reaches a query, so the answer is always no. Only `sql/sql.js`
 * uses this specifier (checked across node_modules when the alias was added).
 */
export const isPgEnum = (_value: unknown): boolean => false;
