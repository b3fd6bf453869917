import { createRouter, ctxOf } from "../router";
import * as routes from "./api-keys.routes";
import * as apiKeys from "../../services/api-keys/api-keys";

export const apiKeysRouter = createRouter()
  .openapi(routes.listApiKeys, async (c) => c.json(await apiKeys.listApiKeys({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi(routes.createApiKey, async (c) => c.json(await apiKeys.createApiKey({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi(routes.revokeApiKey, async (c) => {
    await apiKeys.revokeApiKey({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
