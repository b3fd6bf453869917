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
