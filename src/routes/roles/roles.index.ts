import { createRouter, ctxOf } from "../router";
import * as operations from "./roles.operations";
import * as roles from "../../services/roles/roles";

export const rolesRouter = createRouter(operations, () => import("./roles.routes"))
  .openapi("listRoles", async (c) => c.json(await roles.listRoles({ ctx: ctxOf(c) }), 200))
  .openapi("createRole", async (c) => c.json(await roles.createRole({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi("updateRole", async (c) =>
    c.json(await roles.updateRole({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi("deleteRole", async (c) => {
    await roles.deleteRole({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
