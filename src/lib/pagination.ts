import { z } from "./zod";
import { ApiError } from "./errors";
import { fromBase64Url, toBase64Url } from "./encoding";
import { isId, type IdPrefix } from "./ids";

/**
 * Keyset pagination over sortable ids: a page is `WHERE id > :after ORDER BY id LIMIT :limit + 1`
 * on an index that starts with the tenant column, so its cost never grows with the table.
 * The cursor is opaque to clients (base64url of a versioned position) and validated on the way in.
 */
export const PaginationQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" }, description: "Page size, 1–100.", example: 20 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "`nextCursor` of the previous page." }),
});

export const pageSchema = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({ data: z.array(item), nextCursor: z.string().nullable() })
    .openapi(name, { description: "A page; `nextCursor` is null on the last page." });

const CURSOR_VERSION = "c1";

export function encodeCursor(lastId: string): string {
  return toBase64Url(`${CURSOR_VERSION}:${lastId}`);
}

/** The id (of kind `prefix`) the next page starts after, or undefined for the first page. */
export function decodeCursor(cursor: string | undefined, prefix: IdPrefix): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = fromBase64Url(cursor);
  const [version, id] = decoded?.split(":") ?? [];
  if (version !== CURSOR_VERSION || !id || !isId(id, prefix)) {
    throw new ApiError("invalid_cursor", "The cursor is not one this API issued; start again without it.", {
      errors: [{ path: "cursor", message: "Invalid cursor." }],
    });
  }
  return id;
}

/** Given `limit + 1` rows, the page and its next cursor. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): { data: T[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  return { data, nextCursor: hasMore ? encodeCursor(data[data.length - 1]!.id) : null };
}

/**
 * Search pages (`q`) stream from a full-text index in its rowid order, which is the base table's
 * insertion order: their cursor is that position (`s1:<rowid>`), not an id. A cursor of one kind
 * given to the other kind of list is a 400 like any other foreign cursor.
 */
const SEARCH_CURSOR_VERSION = "s1";

export function encodeSearchCursor(rowid: number): string {
  return toBase64Url(`${SEARCH_CURSOR_VERSION}:${rowid}`);
}

export function decodeSearchCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const [version, position] = fromBase64Url(cursor)?.split(":") ?? [];
  if (version !== SEARCH_CURSOR_VERSION || !position || !/^[1-9][0-9]{0,15}$/.test(position)) {
    throw new ApiError("invalid_cursor", "The cursor is not one this API issued; start again without it.", {
      errors: [{ path: "cursor", message: "Invalid cursor." }],
    });
  }
  return Number(position);
}

/** Given `limit + 1` rows of a search, the page and its next cursor. */
export function toSearchPage<T extends { searchRowid: number }>(rows: T[], limit: number): { data: T[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  return { data, nextCursor: hasMore ? encodeSearchCursor(data[data.length - 1]!.searchRowid) : null };
}
