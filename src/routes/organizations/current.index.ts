import { createRouter, ctxOf } from "../router";
import * as operations from "./current.operations";
import * as current from "../../services/organizations/current";

export const currentOrganizationRouter = createRouter(operations, () => import("./current.routes"))
  .openapi("getCurrent", (c) => c.json(current.getCurrentOrganization({ ctx: ctxOf(c) }), 200))
  .openapi("updateCurrent", async (c) =>
    c.json(await current.updateCurrentOrganization({ ctx: ctxOf(c), input: c.req.valid("json") }), 200),
  )
  .openapi("getPermissions", (c) => c.json(current.getMyPermissions({ ctx: ctxOf(c) }), 200));
