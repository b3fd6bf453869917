import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppBindings, RequestContext } from "../context";
import { ApiError } from "../lib/errors";
import { refuseBodyFields } from "../middleware/body-guards";
import { idempotency } from "../middleware/idempotency";
import type { DeclaredRequirements } from "../services/auth/declared-requirements";
import type { Permission } from "../domain/permissions";

/** A route as declared: its config plus what its auth mode (routes/auth-modes.ts) spread into it. */
type DeclaredRoute = RouteConfig & {
  "x-permission"?: Permission;
  "x-required-role"?: "Admin" | "super_admin";
  "x-email-verified"?: true;
  "x-idempotent"?: true;
};

const requirementsOf = (route: DeclaredRoute): DeclaredRequirements => ({
  permission: route["x-permission"],
  role: route["x-required-role"],
  emailVerified: route["x-email-verified"],
});

/**
 * The middleware a route runs, from its declaration, so no route has to remember it: the auth
 * mode's own (authentication); for a route that declares no request body, the refusal of a body
 * with fields (docs/api-conventions.md: strict bodies — an empty body or `{}` is fine); for an `x-idempotent`
 * route, the idempotency middleware, which checks the declared requirements before any replay.
 * The zod validators come after these.
 */
function middlewareOf(route: DeclaredRoute): MiddlewareHandler[] {
  const own = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  return [
    ...own,
    ...(route.request?.body ? [] : [refuseBodyFields]),
    ...(route["x-idempotent"] ? [idempotency(requirementsOf(route))] : []),
  ];
}

/**
 * Every router: validation failures become the same problem+json as every other error, and every
 * route is registered with the middleware its declaration calls for (`middlewareOf`).
 */
export function createRouter() {
  const router = new OpenAPIHono<AppBindings>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((issue) => ({
          path: issue.path.map(String).join(".") || "(body)",
          message: issue.code === "unrecognized_keys" ? `Unknown field(s): ${issue.keys.join(", ")}.` : issue.message,
        }));
        throw new ApiError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join(" "), { errors });
      }
    },
  });
  const register = router.openapi;
  router.openapi = ((route: DeclaredRoute, ...rest: unknown[]) =>
    (register as (route: RouteConfig, ...rest: unknown[]) => unknown)(
      { ...route, middleware: middlewareOf(route) },
      ...rest,
    )) as typeof router.openapi;
  return router;
}

export type AppRouter = ReturnType<typeof createRouter>;

/** The service context of a request. */
export const ctxOf = (c: { get: (key: "ctx") => RequestContext }) => c.get("ctx");
