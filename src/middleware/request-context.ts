import { createMiddleware } from "hono/factory";
import { getCookie, setCookie } from "hono/cookie";
import { buildContext } from "../context";
import type { AppBindings } from "../env";
import { ApiError } from "../lib/errors";
import { BOOKMARK_COOKIE, BOOKMARK_HEADER, isBookmark } from "../lib/bookmark";
import { newId } from "../lib/ids";
import { SESSION_COOKIE } from "./auth";
import { SAFE_METHODS } from "./csrf";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The bookmark reads must be at least as fresh as: the client's `x-d1-bookmark` (checked: a bad one
 * is a 400), else the browser session's cookie (a bad one is ignored), else none.
 */
function bookmarkOf(header: string | undefined, cookie: string | undefined): string | null {
  if (header !== undefined) {
    if (!isBookmark(header)) {
      throw new ApiError("validation_failed", "x-d1-bookmark is not a D1 bookmark: send back the value of a response's x-d1-bookmark header.", {
        errors: [{ path: "x-d1-bookmark", message: "Not a D1 bookmark." }],
      });
    }
    return header;
  }
  return cookie !== undefined && isBookmark(cookie) ? cookie : null;
}

/**
 * Request id (the caller's, when sane), the per-request service context, and read-your-writes
 * across read replicas: every response that touched D1 carries the session's bookmark in
 * `x-d1-bookmark`; a client that sends it back reads at least its own writes. A browser's session
 * gets it as a cookie after each of its writes, so it sees its changes without doing anything.
 */
export const requestContext = createMiddleware<AppBindings>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newId("req");
  c.set("requestId", requestId);

  const executionCtx = c.executionCtx;
  const bookmark = bookmarkOf(c.req.header(BOOKMARK_HEADER), getCookie(c, BOOKMARK_COOKIE));
  const ctx = buildContext({ env: c.env, requestId, requestUrl: c.req.url, replicaReads: { bookmark, write: !SAFE_METHODS.has(c.req.method) }, waitUntil: (promise) => executionCtx.waitUntil(promise) });
  c.set("ctx", ctx);
  try {
    await next();
  } finally {
    // Webhook fan-out is never on the request path: the recorded events' ids go to the WEBHOOKS
    // queue after the response (a failed batch's ids find no row there and are dropped).
    if (ctx.events.recorded.length > 0) ctx.waitUntil(ctx.events.publish());
  }
  c.header("x-request-id", requestId);
  const after = ctx.bookmark();
  if (after === null) return;
  c.header(BOOKMARK_HEADER, after);
  if (!SAFE_METHODS.has(c.req.method) && c.res.status < 400 && getCookie(c, SESSION_COOKIE) !== undefined) {
    setCookie(c, BOOKMARK_COOKIE, after, { httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  }
});
