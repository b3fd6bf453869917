import { createRouter, ctxOf } from "../router";
import * as operations from "./admin.operations";
import * as admin from "../../services/organizations/admin";

export const superAdminRouter = createRouter(operations, () => import("./admin.routes"))
  .openapi("listOrganizations", async (c) => c.json(await admin.listOrganizations({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("getOrganization", async (c) => c.json(await admin.getOrganization({ ctx: ctxOf(c), input: c.req.valid("param") }), 200))
  .openapi("updateOrganization", async (c) =>
    c.json(await admin.updateOrganization({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi("deleteOrganization", async (c) => {
    await admin.deleteOrganization({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
