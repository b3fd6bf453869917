import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "./env";
import { once } from "./lib/once";
import type { AuthorizeInput, AuthorizeResult } from "./services/platform/authorizer";

/**
 * The Worker's entry: three handlers, each building its part on first use in this isolate.
 *
 * Nothing heavy runs at module load. The HTTP app is built by `fetch`, group by group as requests
 * need them (src/app.ts `appFor`: the first GET /api/organizations/me builds the current
 * organization's routes, not the ~800 schemas of all of them), the queue consumer by the first
 * batch, the upkeep by the first cron tick: an isolate woken for a queue batch or a cron tick never
 * builds the HTTP app, and startup (`wrangler check startup`) stays small. The price is paid once
 * per isolate by the first invocation of each kind (docs/performance.md "Bundle and startup" has
 * the figures). esbuild keeps all of it in the one bundle: an `import()` here is a deferred module
 * evaluation, not a network fetch.
 *
 * Evaluating zod and drizzle with the tables here instead (every handler uses them) was measured:
 * ~8 ms less on the first request, ~8 ms more startup, which on a loaded machine reached the 30 ms
 * startup budget; they stay on first use (docs/performance.md "Bundle and startup").
 *
 * The HTTP app depends on the environment (development routes exist only under
 * ENVIRONMENT=development), so src/app.ts keeps its apps per ENVIRONMENT value: a deployed isolate
 * has one; the tests, which also call with a production env, get the app each env would.
 */
const httpApps = once(() => import("./app"));
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
  fetch: async (request: Request, env: Env, ctx: ExecutionContext) =>
    (await (await httpApps()).appFor(request, env)).fetch(request, env, ctx),
  queue: async (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => (await queueConsumer()).handleQueueBatch(batch, env, ctx),
  scheduled: async (controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
    (await upkeep()).handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
