import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "./env";
import { appFor } from "./app";
import { once } from "./lib/once";
import type { AuthorizeInput, AuthorizeResult } from "./services/platform/authorizer";

/**
 * The Worker's entry: three handlers, each building what is heavy on first use in this isolate.
 *
 * The HTTP app's base is evaluated at module load: Hono, the global middleware, the request
 * context, authentication, drizzle and the tables (src/app.ts and what it imports; no zod). That is
 * startup work (`wrangler check startup`, budget 30 ms), which Cloudflare can run while the TLS
 * handshake of the request that wakes the isolate is still in flight. Everything else waits for a request that needs it:
 * the route groups (src/app.ts `appFor`: the first GET /api/organizations/me builds the current
 * organization's routes, not all of them), and within a group its contracts, the zod schemas,
 * only when a request has input to validate or the document is built (src/routes/router.ts); the
 * queue consumer on the first batch, the upkeep on the first cron tick. docs/performance.md
 * "Bundle and startup" has the figures. esbuild keeps all of it in the one bundle: an `import()`
 * here is a deferred module evaluation, not a network fetch.
 *
 * The HTTP app depends on the environment (development routes exist only under
 * ENVIRONMENT=development), so src/app.ts keeps its apps per ENVIRONMENT value: a deployed isolate
 * has one; the tests, which also call with a production env, get the app each env would.
 */
const queueConsumer = once(() => import("./queues/consumer"));
const upkeep = once(() => import("./scheduled/upkeep"));
const authorizer = once(() => import("./services/platform/authorizer"));

/**
 * The entrypoint sibling Workers bind (`[[services]] … entrypoint = "Authorizer"`) to authorize a
 * request they received through this Worker's warm auth cache, with no network hop: the HTTP API's
 * own admission rules, one code path (docs/platform-authorization.md, API.md §10).
 */
export class Authorizer extends WorkerEntrypoint<Env> {
  async authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    return (await authorizer()).authorize(this.env, (promise) => this.ctx.waitUntil(promise), input);
  }
}

export default {
  fetch: async (request: Request, env: Env, ctx: ExecutionContext) => (await appFor(request, env)).fetch(request, env, ctx),
  queue: async (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => (await queueConsumer()).handleQueueBatch(batch, env, ctx),
  scheduled: async (controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
    (await upkeep()).handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
