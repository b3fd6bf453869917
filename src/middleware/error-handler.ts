/**
 * The app's error handlers: every failure leaves as problem+json with the request id
 * (docs/api-conventions.md, "Errors, bodies and lists").
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppBindings } from "../context";
import { ApiError, problemResponse, UNAUTHENTICATED_DETAIL } from "../lib/errors";
import { createLogger } from "../lib/log";

function requestIdOf(c: Context<AppBindings>): string {
  return c.get("requestId") ?? "req_unknown";
}

/** `app.onError`: own errors → their code; Hono's HTTP errors → the matching code; anything else → a logged 500. */
export function errorHandler(error: Error, c: Context<AppBindings>): Response {
  const requestId = requestIdOf(c);
  if (error instanceof ApiError) return problemResponse(error.code, error.detail, requestId, error.extra);
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) {
      return problemResponse("invalid_json", "The request body is not valid JSON.", requestId);
    }
    if (/content-type/i.test(error.message)) {
      return problemResponse("unsupported_media_type", "Send request bodies as application/json.", requestId);
    }
    if (error.status === 413) return problemResponse("payload_too_large", "The request body is too large.", requestId);
    if (error.status === 401) return problemResponse("unauthenticated", UNAUTHENTICATED_DETAIL, requestId);
    if (error.status < 500) return problemResponse("validation_failed", "The request could not be understood.", requestId);
  }
  // The request's logger; one of our own when the failure came before the context was built.
  const log = c.get("ctx")?.log ?? createLogger({ requestId, clientRequestId: c.get("clientRequestId") });
  if (isDependencyOutage(error)) {
    log.error("dependency_unavailable", { error: String(error) });
    return problemResponse("service_unavailable", "A storage service is unavailable right now. Retry shortly.", requestId, {
      headers: { "retry-after": "1" },
    });
  }
  log.error("unhandled_error", { error: String(error), stack: error.stack });
  return problemResponse("internal_error", "Something went wrong on our side. Quote the requestId if you contact us.", requestId);
}

/**
 * Transient failures of D1 or KV (as the platform words them): the request may succeed if retried,
 * so they are a 503 with Retry-After rather than a 500. Anything else (a bad query, a bug) is a 500.
 */
function isDependencyOutage(error: Error): boolean {
  const text = `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`;
  return /Network connection lost|overloaded|Internal error in D1|storage (operation|caller) .*(timed out|exceeded)|KV (GET|PUT|DELETE) failed|Too many requests queued/i.test(
    text,
  );
}

type RouteInfo = { method: string; path: string };

/** The methods an app answers at a path, from its route table (matchers built on first use, per app). */
function methodsByPath(routes: RouteInfo[]): (path: string) => string[] {
  let matchers: { method: string; pattern: RegExp }[] | undefined;
  return (path) => {
    matchers ??= routes
      .filter((r) => r.method !== "ALL")
      // A param matches one segment, or only what its own pattern allows (Hono's `:id{pattern}`).
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(`^${r.path.replace(/:[^/{]+(?:\{(.+?)\})?(?=\/|$)/g, (_, own?: string) => (own ? `(?:${own})` : "[^/]+"))}/?$`),
      }));
    return [...new Set(matchers.filter((m) => m.pattern.test(path)).map((m) => m.method))];
  };
}

/** `app.notFound` for an app's route table: 405 with `Allow` when the path exists under another method, else 404. */
export function notFoundHandler(routes: RouteInfo[]) {
  const allowedMethods = methodsByPath(routes);
  return (c: Context<AppBindings>) => notFoundOrMethodNotAllowed(c, allowedMethods);
}

/** 405 with `Allow` when the path exists under another method, else 404: both problem+json. */
function notFoundOrMethodNotAllowed(c: Context<AppBindings>, allowedMethods: (path: string) => string[]): Response {
  const allowed = allowedMethods(c.req.path);
  if (allowed.length > 0) {
    return problemResponse("method_not_allowed", `${c.req.method} is not allowed here. Allowed: ${allowed.join(", ")}.`, requestIdOf(c), {
      headers: { allow: allowed.join(", ") },
    });
  }
  return problemResponse("not_found", `No route for ${c.req.method} ${c.req.path}.`, requestIdOf(c));
}
