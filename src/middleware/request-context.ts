import { createMiddleware } from "hono/factory";
import { buildContext } from "../context";
import type { AppBindings } from "../env";
import { newId } from "../lib/ids";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id (the caller's, when sane) and the per-request service context. */
export const requestContext = createMiddleware<AppBindings>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newId("req");
  c.set("requestId", requestId);

  const executionCtx = c.executionCtx;
  const ctx = buildContext({ env: c.env, requestId, requestUrl: c.req.url, waitUntil: (promise) => executionCtx.waitUntil(promise) });
  c.set("ctx", ctx);
  try {
    await next();
  } finally {
    // Webhook fan-out is never on the request path: the recorded events' ids go to the WEBHOOKS
    // queue after the response (a failed batch's ids find no row there and are dropped).
    if (ctx.events.recorded.length > 0) ctx.waitUntil(ctx.events.publish());
  }
  c.header("x-request-id", requestId);
});
