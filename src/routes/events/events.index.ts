import { createRouter, ctxOf } from "../router";
import * as routes from "./events.routes";
import * as auditLog from "../../services/events/audit-log";

export const eventsRouter = createRouter()
  .openapi(routes.listEvents, async (c) => c.json(await auditLog.listEvents({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi(routes.getEvent, async (c) => c.json(await auditLog.getEvent({ ctx: ctxOf(c), input: c.req.valid("param") }), 200));
