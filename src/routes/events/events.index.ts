import { createRouter, ctxOf } from "../router";
import * as operations from "./events.operations";
import * as auditLog from "../../services/events/audit-log";

export const eventsRouter = createRouter(operations, () => import("./events.routes"))
  .openapi("listEvents", async (c) => c.json(await auditLog.listEvents({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("getEvent", async (c) => c.json(await auditLog.getEvent({ ctx: ctxOf(c), input: c.req.valid("param") }), 200));
