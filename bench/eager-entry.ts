// Measurement only (npm run check:bundle, npm run bench:first-request -- --entry bench/eager-entry.ts):
// the worker as it would start if the whole HTTP app were built at module load (its group modules
// are loaded by dynamic imports, whose evaluation runs in the microtasks of the startup itself).
// `wrangler check startup` on it, minus on src/index.ts, is what building every group costs. Never deployed.
import { createApp } from "../src/app";
import type { Env } from "../src/env";

const app = createApp({ ENVIRONMENT: "production" });
export default { fetch: async (request: Request, env: unknown, ctx: ExecutionContext) => (await app).fetch(request, env as Env, ctx) };
