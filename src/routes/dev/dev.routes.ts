import { z } from "../../lib/zod";
import { errorResponses, jsonResponse } from "../../lib/openapi";
import { Timestamp } from "../schemas";
import { contract } from "../contract";
import * as operations from "./dev.operations";

export const outbox = contract(operations.outbox, {
  tags: ["Development"],
  summary: "Read the local outbox",
  description:
    "Development only: served, and in this document, only when ENVIRONMENT=development (`npm run dev`); anywhere else not a route at all. Emails sent with EMAIL_PROVIDER=outbox, newest first (at most 50), optionally only those to `to`.",
  request: {
    query: z.strictObject({
      to: z
        .string()
        .trim()
        .max(254)
        .optional()
        .openapi({ param: { name: "to", in: "query" }, example: "pat@example.com" }),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          data: z.array(
            z.object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), html: z.string(), createdAt: Timestamp }),
          ),
        })
        .openapi("Outbox"),
      "Emails",
    ),
    ...errorResponses(),
  },
});

export const calibrate = contract(operations.calibrate, {
  tags: ["Development"],
  summary: "One D1 round trip (benchmark calibration)",
  description:
    "Development only, like the outbox. No authentication, one prepared `SELECT 1` on D1: the benchmark's bar for a list page (one D1 query plus the app's own work).",
  responses: { 200: jsonResponse(z.object({ ok: z.literal(true) }).openapi("Calibrate"), "One D1 query answered"), ...errorResponses() },
});
