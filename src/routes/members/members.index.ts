import { createRouter, ctxOf } from "../router";
import * as operations from "./members.operations";
import * as members from "../../services/members/members";

export const membersRouter = createRouter(operations, () => import("./members.routes"))
  .openapi("listMembers", async (c) => c.json(await members.listMembers({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("updateMember", async (c) =>
    c.json(await members.changeMemberRole({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi("removeMember", async (c) => {
    await members.removeMember({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
