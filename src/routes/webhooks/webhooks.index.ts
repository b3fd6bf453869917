import { createRouter, ctxOf } from "../router";
import * as routes from "./webhooks.routes";
import * as endpoints from "../../services/webhooks/endpoints";
import * as deliveries from "../../services/webhooks/deliveries";

export const webhooksRouter = createRouter()
  .openapi(routes.listWebhooks, async (c) => c.json(await endpoints.listEndpoints({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi(routes.createWebhook, async (c) => c.json(await endpoints.createEndpoint({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi(routes.getWebhook, async (c) => c.json(await endpoints.getEndpoint({ ctx: ctxOf(c), input: c.req.valid("param") }), 200))
  .openapi(routes.updateWebhook, async (c) =>
    c.json(await endpoints.updateEndpoint({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }), 200),
  )
  .openapi(routes.deleteWebhook, async (c) => {
    await endpoints.deleteEndpoint({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  })
  .openapi(routes.rotateWebhookSecret, async (c) =>
    c.json(await endpoints.rotateSecret({ ctx: ctxOf(c), input: c.req.valid("param") }), 200),
  )
  .openapi(routes.testWebhook, async (c) => c.json(await endpoints.testEndpoint({ ctx: ctxOf(c), input: c.req.valid("param") }), 202))
  .openapi(routes.listDeliveries, async (c) =>
    c.json(await deliveries.listDeliveries({ ctx: ctxOf(c), input: { ...c.req.valid("param"), ...c.req.valid("query") } }), 200),
  )
  .openapi(routes.retryDelivery, async (c) => c.json(await deliveries.retryDelivery({ ctx: ctxOf(c), input: c.req.valid("param") }), 202));
