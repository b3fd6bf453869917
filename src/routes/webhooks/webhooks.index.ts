import { createRouter, ctxOf } from "../router";
import * as operations from "./webhooks.operations";
import * as endpoints from "../../services/webhooks/endpoints";
import * as deliveries from "../../services/webhooks/deliveries";

export const webhooksRouter = createRouter(operations, () => import("./webhooks.routes"))
  .openapi("listWebhooks", async (c) => c.json(await endpoints.listEndpoints({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("createWebhook", async (c) => c.json(await endpoints.createEndpoint({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi("getWebhook", async (c) => c.json(await endpoints.getEndpoint({ ctx: ctxOf(c), input: c.req.valid("param") }), 200))
  .openapi("updateWebhook", async (c) =>
    c.json(await endpoints.updateEndpoint({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi("deleteWebhook", async (c) => {
    await endpoints.deleteEndpoint({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  })
  .openapi("rotateWebhookSecret", async (c) => c.json(await endpoints.rotateSecret({ ctx: ctxOf(c), input: c.req.valid("param") }), 200))
  .openapi("testWebhook", async (c) => c.json(await endpoints.testEndpoint({ ctx: ctxOf(c), input: c.req.valid("param") }), 202))
  .openapi("listDeliveries", async (c) =>
    c.json(await deliveries.listDeliveries({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("query") } }), 200),
  )
  .openapi("retryDelivery", async (c) => c.json(await deliveries.retryDelivery({ ctx: ctxOf(c), input: c.req.valid("param") }), 202));
