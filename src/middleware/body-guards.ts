import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import type { AppBindings } from "../env";
import { ApiError } from "../lib/errors";

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
  },
});

/** Any request that carries a body must say it is JSON: no form or text bodies reach a handler. */
export const requireJsonBody = createMiddleware<AppBindings>(async (c, next) => {
  const length = c.req.header("content-length");
  const hasBody = c.req.raw.body !== null && length !== "0";
  if (hasBody && !JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    throw new ApiError("unsupported_media_type", "Send request bodies as application/json.");
  }
  await next();
});
