import { createRouter, ctxOf } from "../router";
import * as routes from "./members.routes";
import * as members from "../../services/members/members";

export const membersRouter = createRouter()
  .openapi(routes.listMembers, async (c) => c.json(await members.listMembers({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi(routes.updateMember, async (c) =>
    c.json(await members.changeMemberRole({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi(routes.removeMember, async (c) => {
    await members.removeMember({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
