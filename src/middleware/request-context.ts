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
  c.set("ctx", buildContext({ env: c.env, requestId, requestUrl: c.req.url, waitUntil: (promise) => executionCtx.waitUntil(promise) }));
  await next();
  c.header("x-request-id", requestId);
});
