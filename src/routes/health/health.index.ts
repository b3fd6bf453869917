import { createRoute } from "@hono/zod-openapi";
import { z } from "../../lib/zod";
import { createRouter } from "../router";
import { errorResponses, jsonResponse } from "../../lib/openapi";
import { publicRoute } from "../auth-modes";

export const health = createRoute({
  method: "get",
  operationId: "getHealth",
  path: "/api/health",
  tags: ["Meta"],
  summary: "Liveness",
  description: "Touches no binding. The benchmark's baseline.",
  ...publicRoute(),
  responses: { 200: jsonResponse(z.object({ ok: z.literal(true) }).openapi("Health"), "Alive"), ...errorResponses() },
});

export const healthRouter = createRouter().openapi(health, (c) => c.json({ ok: true as const }, 200));
