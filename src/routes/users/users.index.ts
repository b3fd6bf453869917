import { createRouter, ctxOf } from "../router";
import * as routes from "./users.routes";
import { listMyOrganizations } from "../../services/users/my-organizations";

export const usersRouter = createRouter().openapi(routes.listMyOrganizations, async (c) =>
  c.json(await listMyOrganizations({ ctx: ctxOf(c), input: c.req.valid("query") }), 200),
);
