import { createRouter, ctxOf } from "../router";
import * as operations from "./users.operations";
import { listMyOrganizations } from "../../services/users/my-organizations";

export const usersRouter = createRouter(operations, () => import("./users.routes")).openapi("listMyOrganizations", async (c) =>
  c.json(await listMyOrganizations({ ctx: ctxOf(c), input: c.req.valid("query") }), 200),
);
