import { deleteCookie } from "hono/cookie";
import { createRouter, ctxOf } from "../router";
import { SESSION_COOKIE } from "../../middleware/auth";
import * as operations from "./account.operations";
import { createOrganization } from "../../services/account/create-organization";
import { leaveOrganization } from "../../services/account/leave-organization";
import { deleteAccount } from "../../services/account/delete-account";

export const accountRouter = createRouter(operations, () => import("./account.routes"))
  .openapi("createOrganization", async (c) => c.json(await createOrganization({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi("leaveOrganization", async (c) => {
    await leaveOrganization({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  })
  .openapi("deleteAccount", async (c) => {
    await deleteAccount({ ctx: ctxOf(c), input: c.req.valid("json") });
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.body(null, 204);
  });
