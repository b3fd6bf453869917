/**
 * D1 Sessions API bookmarks: the position in the database's history a read must be at least as
 * fresh as. D1 writes them as four dash-separated hex groups; the local runtime accepts any string,
 * so a client's bookmark is checked for that shape before it is used.
 */
export const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export const isBookmark = (value: string) => BOOKMARK.test(value);

/** The request header a client sends back (and every response carries). */
export const BOOKMARK_HEADER = "x-d1-bookmark";
/** The cookie that carries a browser session's last write bookmark, so it reads its own writes. */
export const BOOKMARK_COOKIE = "d1_bookmark";
