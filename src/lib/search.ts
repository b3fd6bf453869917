import { encodeSearchCursor, toSearchPage } from "./pagination";
import { z } from "./zod";

/**
 * Search (`?q=`) goes through SQLite FTS5 tables with the trigram tokenizer (migrations/0004): a
 * case-insensitive substring match of at least three characters, answered by the index. Shorter
 * needles cannot use a trigram index, so they are refused rather than served by a scan.
 */
export const SEARCH_MIN_CHARS = 3;

export const SEARCH_DESCRIPTION =
  "`q`: case-insensitive substring, at least 3 characters (a full-text trigram index; every character, `%` and `_` included, matches itself). Search results come oldest first by insertion, and their cursor works only with the same search.";

export const searchParam = (example: string) =>
  z
    .string()
    .trim()
    .min(SEARCH_MIN_CHARS)
    .max(100)
    .optional()
    .openapi({ param: { name: "q", in: "query" }, description: "Case-insensitive substring, at least 3 characters.", example });

/** An FTS5 string literal: inside double quotes every character is literal ("" escapes a quote). */
export const ftsPhrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * Organizations up to this many rows (members, invitations) search by walking their own rows in
 * rowid order; larger ones through the full-text index. The index answers a search by intersecting
 * the needle's postings across every organization with the organization's own, so on its own a small
 * organization's search would cost more the more *other* organizations hold the term; the walk costs
 * what the organization's own rows cost, whatever the others hold. The choice follows a count on the
 * cached organization (stale by at most the auth cache's bound); a walk reads at most this many rows
 * and one more, either way.
 */
export const SEARCH_WALK_LIMIT = 500;

/** Whether an organization holding `count` rows (undefined: not known) searches them by walking. */
export const searchWalks = (count: number | undefined) => count !== undefined && count <= SEARCH_WALK_LIMIT;

/** The trigram index's case folding, said in JavaScript: a walk folds the needle and each field with it. */
export const searchFold = (text: string) => text.toLowerCase();

/**
 * A search page from a walk: `walked` is what the walk query read (its filters applied, at most
 * SEARCH_WALK_LIMIT + 1 rows in rowid order, after the cursor), `matches` the index's rule for one
 * row (a case-insensitive substring, `searchFold`). The page and its cursor are the index's: the
 * rowid order is the one the full-text search returns, so one cursor serves both ways and an
 * organization crossing the threshold between two pages loses nothing. An organization that outgrew
 * its cached count fills the walk: the page is then what matched in it, with a cursor that goes on
 * from the last row read (possibly short, or empty, but never the end while rows remain).
 */
export function walkedSearchPage<T extends { searchRowid: number }>(
  walked: T[],
  matches: (row: T) => boolean,
  limit: number,
): { data: T[]; nextCursor: string | null } {
  const found = walked.slice(0, SEARCH_WALK_LIMIT).filter(matches);
  const page = toSearchPage(found, limit);
  if (page.nextCursor === null && walked.length > SEARCH_WALK_LIMIT) {
    return { data: found, nextCursor: encodeSearchCursor(walked[SEARCH_WALK_LIMIT - 1]!.searchRowid) };
  }
  return page;
}
