import { createRouter, ctxOf } from "../router";
import * as operations from "./org-invitations.operations";
import * as invitations from "../../services/invitations/org-invitations";

export const orgInvitationsRouter = createRouter(operations, () => import("./org-invitations.routes"))
  .openapi("listInvitations", async (c) => c.json(await invitations.listInvitations({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("createInvitation", async (c) => c.json(await invitations.createInvitation({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi("resendInvitation", async (c) => c.json(await invitations.resendInvitation({ ctx: ctxOf(c), input: c.req.valid("param") }), 200))
  .openapi("revokeInvitation", async (c) => {
    await invitations.revokeInvitation({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
