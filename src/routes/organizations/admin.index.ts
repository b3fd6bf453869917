import type { RouteConfig } from "@hono/zod-openapi";
import { createRouter, ctxOf } from "../router";
import * as routes from "./admin.routes";
import * as admin from "../../services/organizations/admin";

const router = createRouter();

/** Documents `route` with its plain `{id}` path, and routes it only for org ids (see ORG_ID_ROUTING_PATH). */
function byOrgId<R extends RouteConfig>(route: R): R {
  const { middleware: _middleware, ...documented } = route;
  router.openAPIRegistry.registerPath(documented);
  return { ...route, path: routes.ORG_ID_ROUTING_PATH, hide: true };
}

export const superAdminRouter = router
  .openapi(routes.listOrganizations, async (c) =>
    c.json(await admin.listOrganizations({ ctx: ctxOf(c), input: c.req.valid("query") }), 200),
  )
  .openapi(byOrgId(routes.getOrganization), async (c) =>
    c.json(await admin.getOrganization({ ctx: ctxOf(c), input: c.req.valid("param") }), 200),
  )
  .openapi(byOrgId(routes.updateOrganization), async (c) =>
    c.json(await admin.updateOrganization({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi(byOrgId(routes.deleteOrganization), async (c) => {
    await admin.deleteOrganization({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
