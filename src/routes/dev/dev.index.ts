import { createRouter, ctxOf } from "../router";
import * as operations from "./dev.operations";
import { readOutbox } from "../../services/emails/outbox";
import { pingDatabase } from "../../services/dev/calibrate";

/** Registered by createApp only under ENVIRONMENT=development (src/app.ts). */
export const devRouter = createRouter(operations, () => import("./dev.routes"))
  .openapi("outbox", async (c) => c.json({ data: await readOutbox(ctxOf(c), c.req.valid("query").to) }, 200))
  .openapi("calibrate", async (c) => {
    await pingDatabase(ctxOf(c));
    return c.json({ ok: true as const }, 200);
  });
