import { createMiddleware } from "hono/factory";
import { getCookie, setCookie } from "hono/cookie";
import { buildContext } from "../context";
import type { AppBindings } from "../context";
import { ApiError } from "../lib/errors";
import { BOOKMARK_COOKIE, BOOKMARK_HEADER, isBookmark } from "../lib/bookmark";
import { newId } from "../lib/ids";
import { CLIENT_REQUEST_ID_PATTERN } from "../lib/client-info";
import { SESSION_COOKIE } from "./auth";
import { SAFE_METHODS } from "./csrf";

/** What a caller's own `X-Request-Id` may be to be echoed and logged: short, and nothing a log line or header would mangle. */
const SANE_CLIENT_REQUEST_ID = new RegExp(CLIENT_REQUEST_ID_PATTERN);

/**
 * The bookmark reads must be at least as fresh as: the client's `x-d1-bookmark` (checked: a bad one
 * is a 400), else the browser session's cookie (a bad one is ignored), else none.
 */
function bookmarkOf(header: string | undefined, cookie: string | undefined): string | null {
  if (header !== undefined) {
    if (!isBookmark(header)) {
      throw new ApiError(
        "validation_failed",
        "x-d1-bookmark is not a D1 bookmark: send back the value of a response's x-d1-bookmark header.",
        {
          errors: [{ path: "x-d1-bookmark", message: "Not a D1 bookmark." }],
        },
      );
    }
    return header;
  }
  return cookie !== undefined && isBookmark(cookie) ? cookie : null;
}

/**
 * The request's ids. `X-Request-Id` is always the server's own (`req_…`): the one events, problem
 * bodies and log lines carry, so a client can never write an id into the audit trail. A caller's
 * sane `X-Request-Id` is its own correlation id: echoed back as `X-Client-Request-Id` and logged
 * beside ours (`clientRequestId`), never recorded as ours. Set on the response after everything
 * inside, errors included (an inner layer's error is already a response by then).
 */
export const requestIds = createMiddleware<AppBindings>(async (c, next) => {
  const requestId = newId("req");
  const incoming = c.req.header("x-request-id");
  const clientRequestId = incoming !== undefined && SANE_CLIENT_REQUEST_ID.test(incoming) ? incoming : undefined;
  c.set("requestId", requestId);
  c.set("clientRequestId", clientRequestId);
  await next();
  c.header("x-request-id", requestId);
  if (clientRequestId !== undefined) c.header("x-client-request-id", clientRequestId);
});

/**
 * The per-request service context, and read-your-writes across read replicas: every response that
 * touched D1 carries the session's bookmark in `x-d1-bookmark`; a client that sends it back reads
 * at least its own writes. A browser's session gets it as a cookie after each of its writes, so it
 * sees its changes without doing anything.
 */
export const requestContext = createMiddleware<AppBindings>(async (c, next) => {
  const requestId = c.get("requestId");
  const executionCtx = c.executionCtx;
  const bookmark = bookmarkOf(c.req.header(BOOKMARK_HEADER), getCookie(c, BOOKMARK_COOKIE));
  const ctx = buildContext({
    env: c.env,
    requestId,
    clientRequestId: c.get("clientRequestId"),
    requestUrl: c.req.url,
    replicaReads: { bookmark, write: !SAFE_METHODS.has(c.req.method) },
    waitUntil: (promise) => executionCtx.waitUntil(promise),
  });
  c.set("ctx", ctx);
  try {
    await next();
  } finally {
    // Webhook fan-out is never on the request path: the recorded events' ids go to the WEBHOOKS
    // queue after the response (a failed batch's ids find no row there and are dropped).
    if (ctx.events.recorded.length > 0) ctx.waitUntil(ctx.events.publish());
  }
  const after = ctx.bookmark();
  if (after === null) return;
  c.header(BOOKMARK_HEADER, after);
  if (!SAFE_METHODS.has(c.req.method) && c.res.status < 400 && getCookie(c, SESSION_COOKIE) !== undefined) {
    setCookie(c, BOOKMARK_COOKIE, after, { httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  }
});
