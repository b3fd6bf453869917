import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import type { AppBindings, Env } from "./env";
import { ApiError, problemResponse, UNAUTHENTICATED_DETAIL } from "./lib/errors";
import { createLogger } from "./lib/log";
import { requestContext, requestIds } from "./middleware/request-context";
import { limitBody, requireJsonBody } from "./middleware/body-guards";
import { apiCors } from "./middleware/cors";
import { createRouter } from "./routes/router";
import { healthRouter } from "./routes/health";
import { authRouter } from "./routes/auth";
import { usersRouter } from "./routes/users";
import { currentOrganizationRouter } from "./routes/organizations/current.index";
import { superAdminRouter } from "./routes/organizations/admin.index";
import { apiKeysRouter } from "./routes/api-keys";
import { membersRouter } from "./routes/members";
import { rolesRouter } from "./routes/roles";
import { orgInvitationsRouter } from "./routes/invitations/org-invitations.index";
import { recipientInvitationsRouter } from "./routes/invitations/recipient.index";
import { devRouter } from "./routes/dev";
import { eventsRouter } from "./routes/events";
import { webhooksRouter } from "./routes/webhooks";
import { tokenPages } from "./routes/pages";
import { csrfGuard } from "./middleware/csrf";
import { registerDocs } from "./routes/docs";

/**
 * Composes the app: global middleware, every router, the OpenAPI document and the error handlers.
 * The development helpers (/api/dev/*: the outbox holds every emailed link) exist only when
 * `ENVIRONMENT=development`: anywhere else they are not routes at all — a 404 like any unknown
 * path, and absent from the served document.
 */
export function createApp(env: Pick<Env, "ENVIRONMENT">) {
  const development = env.ENVIRONMENT === "development";
  const app = createRouter();

  app.use("*", requestIds, requestContext);
  // CORS first: a preflight is answered here, before the body guards and the 405 handler.
  app.use("/api/*", apiCors);
  app.use("*", csrfGuard);
  app.use("/api/*", limitBody, requireJsonBody);
  for (const pages of ["/invitations/*", "/verify-email/*", "/reset-password", "/reset-password/*"]) app.use(pages, limitBody);

  app
    .route("/", healthRouter)
    .route("/", authRouter)
    .route("/", usersRouter)
    .route("/", currentOrganizationRouter)
    .route("/", membersRouter)
    .route("/", rolesRouter)
    .route("/", orgInvitationsRouter)
    .route("/", recipientInvitationsRouter)
    .route("/", apiKeysRouter)
    .route("/", eventsRouter)
    .route("/", webhooksRouter)
    .route("/", superAdminRouter);
  if (development) app.route("/", devRouter);

  app.route("/", tokenPages);
  registerDocs(app, { development });

  const allowedMethods = methodsByPath(app.routes);
  app.notFound((c) => notFoundOrMethodNotAllowed(c, allowedMethods));
  app.onError((error, c) => errorResponse(error, c));
  return app;
}

function requestIdOf(c: Context<AppBindings>): string {
  return c.get("requestId") ?? "req_unknown";
}

/** Own errors → their code; Hono's HTTP errors → the matching code; anything else → a logged 500. */
function errorResponse(error: Error, c: Context<AppBindings>): Response {
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
    return problemResponse("service_unavailable", "A storage service is unavailable right now. Retry shortly.", requestId, { headers: { "retry-after": "1" } });
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
  return /Network connection lost|overloaded|Internal error in D1|storage (operation|caller) .*(timed out|exceeded)|KV (GET|PUT|DELETE) failed|Too many requests queued/i.test(text);
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
