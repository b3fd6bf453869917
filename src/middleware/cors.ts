import { createMiddleware } from "hono/factory";
import { cors } from "hono/cors";
import type { AppBindings } from "../context";

/**
 * CORS for `/api/*`, for the exact origins listed in `CORS_ORIGINS` (comma-separated; empty = none).
 * A listed origin gets the CORS headers, credentials included; any other origin gets none at all,
 * and its preflight a bare 204 that the browser treats as a refusal (rather than the 405 an
 * OPTIONS request would otherwise get). Bearer clients then work cross-origin; the session cookie
 * stays SameSite=Lax, so a browser only sends it from the same site.
 */
const corsForListedOrigin = cors({
  origin: (origin) => origin,
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id", "x-d1-bookmark"],
  exposeHeaders: ["X-Request-Id", "X-Client-Request-Id", "Retry-After", "Idempotent-Replayed", "x-d1-bookmark"],
  credentials: true,
  maxAge: 600,
});

/** `CORS_ORIGINS` parsed; read per request so an env without the var, or with another value, just works. */
export function allowedOrigins(value: string | undefined): Set<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
  );
}

export const apiCors = createMiddleware<AppBindings>(async (c, next) => {
  const origin = c.req.header("origin");
  const allowed = allowedOrigins(c.env.CORS_ORIGINS);
  if (origin && allowed.has(origin)) return corsForListedOrigin(c, next);

  const isPreflight = c.req.method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method") !== undefined;
  if (isPreflight) {
    if (allowed.size > 0) c.header("vary", "Origin");
    return c.body(null, 204);
  }
  await next();
  // The answer depends on the Origin whenever some origin would get CORS headers.
  if (allowed.size > 0) c.header("vary", "Origin", { append: true });
});
