import { createMiddleware } from "hono/factory";
import { createDb, type Database } from "../db/client";
import type { AppBindings, RequestContext } from "../env";
import { newId } from "../lib/ids";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id (the caller's, when sane) and the per-request service context. */
export const requestContext = createMiddleware<AppBindings>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newId("req");
  c.set("requestId", requestId);

  let db: Database | undefined;
  const env = c.env;
  const executionCtx = c.executionCtx;
  const ctx: RequestContext = {
    env,
    requestId,
    requestUrl: c.req.url,
    // Built on first use: the warm authenticated path never needs D1.
    get db() {
      return (db ??= createDb(env.DB));
    },
    waitUntil: (promise) => executionCtx.waitUntil(promise),
  };
  c.set("ctx", ctx);
  await next();
  c.header("x-request-id", requestId);
});
