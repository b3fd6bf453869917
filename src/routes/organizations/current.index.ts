import { createRouter, ctxOf } from "../router";
import * as routes from "./current.routes";
import * as current from "../../services/organizations/current";

export const currentOrganizationRouter = createRouter()
  .openapi(routes.getCurrent, (c) => c.json(current.getCurrentOrganization({ ctx: ctxOf(c) }), 200))
  .openapi(routes.updateCurrent, async (c) =>
    c.json(await current.updateCurrentOrganization({ ctx: ctxOf(c), input: c.req.valid("json") }), 200),
  )
  .openapi(routes.getPermissions, (c) => c.json(current.getMyPermissions({ ctx: ctxOf(c) }), 200));
