import { createRouter, ctxOf } from "../router";
import * as keyOperations from "./api-keys.operations";
import * as trafficOperations from "./traffic.operations";
import * as apiKeys from "../../services/api-keys/api-keys";
import * as changes from "../../services/api-keys/api-key-changes";
import { keyUsage } from "../../services/traffic/usage";

export const apiKeysRouter = createRouter({ ...keyOperations, ...trafficOperations }, async () => {
  const [keys, traffic] = await Promise.all([import("./api-keys.routes"), import("./traffic.routes")]);
  return { ...keys, ...traffic };
})
  .openapi("listApiKeys", async (c) => c.json(await apiKeys.listApiKeys({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("createApiKey", async (c) => c.json(await apiKeys.createApiKey({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi("revokeApiKey", async (c) => {
    await apiKeys.revokeApiKey({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  })
  .openapi("updateApiKey", async (c) =>
    c.json(await changes.updateApiKey({ ctx: ctxOf(c), input: { ...c.req.valid("json"), ...c.req.valid("param") } }), 200),
  )
  .openapi("rollApiKey", async (c) =>
    c.json(await changes.rollApiKey({ ctx: ctxOf(c), input: { ...(c.req.valid("json") ?? {}), ...c.req.valid("param") } }), 201),
  )
  .openapi("keyUsage", async (c) =>
    c.json(await keyUsage({ ctx: ctxOf(c), input: { ...c.req.valid("query"), ...c.req.valid("param") } }), 200),
  );
