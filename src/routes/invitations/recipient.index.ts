import { createRouter, ctxOf } from "../router";
import { clientOf } from "../../lib/client-info";
import * as operations from "./recipient.operations";
import * as recipient from "../../services/invitations/recipient";
import { acceptInvitation } from "../../services/invitations/accept";

export const recipientInvitationsRouter = createRouter(operations, () => import("./recipient.routes"))
  .openapi("listMyInvitations", async (c) => c.json(await recipient.listMyInvitations({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("previewInvitation", async (c) => c.json(await recipient.previewInvitation({ ctx: ctxOf(c), input: c.req.valid("param") }), 200))
  .openapi("acceptInvitation", async (c) => {
    const ctx = ctxOf(c);
    const body = c.req.valid("json");
    const account = body && "name" in body && "password" in body ? { name: body.name, password: body.password } : undefined;
    const result = await acceptInvitation({
      ctx,
      input: { token: c.req.valid("param").token, account },
      principal: ctx.principal ?? null,
      userAgent: clientOf(c).userAgent,
    });
    return c.json(result, 200);
  })
  .openapi("declineInvitation", async (c) => {
    await recipient.declineInvitation({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
