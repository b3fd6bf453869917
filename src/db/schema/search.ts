import { sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * The FTS5 search tables (created by migrations/0004, kept in step by the triggers of
 * migrations/0008). drizzle has no column type for a virtual table, nor for `rowid` and `MATCH`,
 * so they are named here once and interpolated as identifiers; not exported from ./index, so
 * drizzle-kit never tries to create them as ordinary tables.
 */
export const membersSearch = sql.identifier("members_search");
export const invitationsSearch = sql.identifier("invitations_search");
export const organizationsSearch = sql.identifier("organizations_search");

type Named = SQLiteTable | typeof membersSearch;

/** `<table>.rowid`: the FTS5 row shares its base row's rowid (the search joins on it and pages by it). */
export const rowidOf = (table: Named): SQL<number> => sql<number>`${table}.rowid`;

/** `<fts table> MATCH <query>`: the query is bound, never spliced. */
export const matches = (table: typeof membersSearch, query: string): SQL => sql`${table} MATCH ${query}`;
