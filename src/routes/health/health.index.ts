import { createRouter } from "../router";
import * as operations from "./health.operations";

export const healthRouter = createRouter(operations, () => import("./health.routes")).openapi("health", (c) =>
  c.json({ ok: true as const }, 200),
);
