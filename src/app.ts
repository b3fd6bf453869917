import type { Env } from "./env";
import { errorHandler, notFoundHandler } from "./middleware/error-handler";
import { requestContext, requestIds } from "./middleware/request-context";
import { limitBody, requireJsonBody } from "./middleware/body-guards";
import { apiCors } from "./middleware/cors";
import { createRouter } from "./routes/router";
import { csrfGuard } from "./middleware/csrf";
import { getPath } from "hono/utils/url";
import { groupMatchers, groupsForPath, ROUTE_GROUPS, type RegisterGroup, type RouteGroup } from "./routes/groups";
import { once } from "./lib/once";

/**
 * Composes an app from route groups that are already loaded: global middleware, the groups in
 * registration order, the error handlers. The whole app is every group (`createApp`); the app a
 * request runs in is the groups its path can match (`appFor`): the same middleware, the same
 * routes for that path in the same order, so the same answer, 404 and 405 included (their
 * `notFoundHandler` reads this app's route table, which holds every route that can match the path).
 */
function composeApp(registers: readonly RegisterGroup[], development: boolean) {
  const app = createRouter();

  app.use("*", requestIds, requestContext);
  // CORS first: a preflight is answered here, before the body guards and the 405 handler.
  app.use("/api/*", apiCors);
  app.use("*", csrfGuard);
  app.use("/api/*", limitBody, requireJsonBody);
  for (const pages of ["/invitations/*", "/verify-email/*", "/reset-password", "/reset-password/*"]) app.use(pages, limitBody);

  for (const register of registers) register(app, { development });

  app.notFound(notFoundHandler(app.routes));
  app.onError(errorHandler);
  return app;
}

export type App = ReturnType<typeof composeApp>;

/**
 * The groups of an environment: the development helpers (/api/dev/*: the outbox holds every
 * emailed link) exist only when `ENVIRONMENT=development`: anywhere else they are not routes at
 * all — a 404 like any unknown path, and absent from the served document.
 */
const groupsOf = ({ ENVIRONMENT }: Pick<Env, "ENVIRONMENT">) =>
  ROUTE_GROUPS.filter((group) => ENVIRONMENT === "development" || !group.developmentOnly);

/** Each group's module, loaded (evaluated) once per isolate, on first use; a failed load is retried. */
const loaders = new Map<RouteGroup, () => Promise<RegisterGroup>>(ROUTE_GROUPS.map((group) => [group, once(group.load)]));
const matchers = groupMatchers(ROUTE_GROUPS);

/** Built apps, per ENVIRONMENT and set of groups: a deployed isolate sees one ENVIRONMENT and a handful of sets. */
const apps = new Map<string, () => Promise<App>>();

function appOf(groups: readonly RouteGroup[], env: Pick<Env, "ENVIRONMENT">): Promise<App> {
  const key = `${env.ENVIRONMENT}\n${groups.map((group) => group.name).join(",")}`;
  let build = apps.get(key);
  if (!build) {
    const development = env.ENVIRONMENT === "development";
    build = once(async () => composeApp(await Promise.all(groups.map((group) => loaders.get(group)!())), development));
    apps.set(key, build);
  }
  return build();
}

/**
 * The whole app: every route of the environment and the OpenAPI document that describes them
 * (`GET /api/openapi.json` is always served by it), what the tests and the document generators read.
 */
export const createApp = (env: Pick<Env, "ENVIRONMENT">) => appOf(groupsOf(env), env);

/**
 * The app a request runs in: only the groups its path can match, each loaded on first use, so an
 * isolate's first request pays for its own group (GET /api/organizations/me: the current
 * organization's routes), not for all of them (docs/performance.md "Bundle and startup"). The path
 * is the one Hono routes on (`getPath`, the app's default); an unknown path needs no group at all.
 */
export function appFor(request: Request, env: Pick<Env, "ENVIRONMENT">): Promise<App> {
  const groups = groupsOf(env);
  return appOf(groupsForPath(groups, matchers, getPath(request)), env);
}
