import { z } from "../../lib/zod";
import { errorResponses, jsonResponse } from "../../lib/openapi";
import { contract } from "../contract";
import * as operations from "./health.operations";

export const health = contract(operations.health, {
  tags: ["Meta"],
  summary: "Liveness",
  description: "Touches no binding. The benchmark's baseline.",
  responses: { 200: jsonResponse(z.object({ ok: z.literal(true) }).openapi("Health"), "Alive"), ...errorResponses() },
});
