import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, ctxOf } from "../router";
import { errorResponses, jsonResponse } from "../../lib/openapi";
import { ApiError } from "../../lib/errors";
import { Timestamp } from "../schemas";
import { readOutbox } from "../../services/emails/outbox";
import { publicRoute } from "../auth-modes";

export const outbox = createRoute({
  method: "get",
  operationId: "listDevOutbox",
  path: "/api/dev/outbox",
  tags: ["Development"],
  summary: "Read the local outbox",
  description:
    "Only when ENVIRONMENT=development (the `wrangler dev` default) — a 404 anywhere else. Emails sent with EMAIL_PROVIDER=outbox, newest first (at most 50), optionally only those to `to`.",
  ...publicRoute(),
  request: { query: z.strictObject({ to: z.string().trim().max(254).optional().openapi({ param: { name: "to", in: "query" }, example: "pat@example.com" }) }) },
  responses: {
    200: jsonResponse(
      z
        .object({ data: z.array(z.object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), html: z.string(), createdAt: Timestamp })) })
        .openapi("Outbox"),
      "Emails",
    ),
    ...errorResponses(404),
  },
});

export const devRouter = createRouter().openapi(outbox, async (c) => {
  const ctx = ctxOf(c);
  if (ctx.env.ENVIRONMENT !== "development") throw new ApiError("not_found", `No route for GET ${c.req.path}.`);
  return c.json({ data: await readOutbox(ctx, c.req.valid("query").to) }, 200);
});

