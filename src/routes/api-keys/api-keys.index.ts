import { createRouter, ctxOf } from "../router";
import * as routes from "./api-keys.routes";
import * as traffic from "./traffic.routes";
import * as apiKeys from "../../services/api-keys/api-keys";
import * as changes from "../../services/api-keys/api-key-changes";
import { keyUsage } from "../../services/traffic/usage";

export const apiKeysRouter = createRouter()
  .openapi(routes.listApiKeys, async (c) => c.json(await apiKeys.listApiKeys({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi(routes.createApiKey, async (c) => c.json(await apiKeys.createApiKey({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi(routes.revokeApiKey, async (c) => {
    await apiKeys.revokeApiKey({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  })
  .openapi(traffic.updateApiKey, async (c) =>
    c.json(await changes.updateApiKey({ ctx: ctxOf(c), input: { ...c.req.valid("json"), ...c.req.valid("param") } }), 200),
  )
  .openapi(traffic.rollApiKey, async (c) =>
    c.json(await changes.rollApiKey({ ctx: ctxOf(c), input: { ...(c.req.valid("json") ?? {}), ...c.req.valid("param") } }), 201),
  )
  .openapi(traffic.keyUsage, async (c) =>
    c.json(await keyUsage({ ctx: ctxOf(c), input: { ...c.req.valid("query"), ...c.req.valid("param") } }), 200),
  );
