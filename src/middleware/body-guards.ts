import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import type { AppBindings } from "../context";
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

/**
 * For a route that declares no request body (the router adds it, routes/router.ts): a body with any
 * field is a 400, as an unknown field is on every other route, never silently ignored. Nothing, an
 * empty body, or `{}` (which many HTTP clients send by default) is fine.
 */
export const refuseBodyFields = createMiddleware<AppBindings>(async (c, next) => {
  if (c.req.raw.body !== null) {
    // requireJsonBody has already refused a body that is not UTF-8 JSON by its content type.
    const text = (await c.req.text()).trim();
    if (text !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError("invalid_json", "The request body is not valid JSON.");
      }
      const fields = typeof body === "object" && body !== null && !Array.isArray(body) ? Object.keys(body) : null;
      if (fields === null || fields.length > 0) {
        const message = fields ? `Unknown field(s): ${fields.join(", ")}.` : "This endpoint takes no request body: send none, or {}.";
        throw new ApiError("validation_failed", `(body): ${message}`, { errors: [{ path: "(body)", message }] });
      }
    }
  }
  await next();
});
