import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import type { AppBindings } from "../env";
import { ApiError } from "../lib/errors";

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

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
  if (hasBody) {
    // JSON is UTF-8 (RFC 8259). A lenient decoder would store U+FFFD for every bad byte; refuse instead.
    // Hono caches the bytes, so the validator parses the same body afterwards.
    const bytes = await c.req.arrayBuffer();
    try {
      utf8.decode(bytes);
    } catch {
      throw new ApiError("invalid_json", "The request body is not valid UTF-8 JSON.");
    }
  }
  await next();
});
