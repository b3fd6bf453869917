import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "./env";
import { once } from "./lib/once";
import type { AuthorizeInput, AuthorizeResult } from "./services/platform/authorizer";

type App = ReturnType<typeof import("./app").createApp>;

/**
 * The Worker's entry: three handlers, each building its part on first use in this isolate.
 *
 * Nothing heavy runs at module load. The HTTP app (every route's zod schemas, the router) is built
 * by the first `fetch`, the queue consumer by the first batch, the upkeep by the first cron tick:
 * an isolate woken for a queue batch or a cron tick never builds the HTTP app, and startup
 * (`wrangler check startup`) stays small. The price is paid once per isolate by the first
 * invocation of each kind (README "Bundle and startup" has the figures). esbuild keeps all three
 * in the one bundle: an `import()` here is a deferred module evaluation, not a network fetch.
 *
 * The HTTP app depends on the environment (development routes exist only under
 * ENVIRONMENT=development), so it is kept per ENVIRONMENT value: a deployed isolate has one and
 * builds one app; the tests, which also call with a production env, get the app each env would.
 */
const httpApps = new Map<string, () => Promise<App>>();
function httpApp({ ENVIRONMENT }: Env): Promise<App> {
  let load = httpApps.get(ENVIRONMENT);
  if (!load) httpApps.set(ENVIRONMENT, (load = once(() => import("./app").then(({ createApp }) => createApp({ ENVIRONMENT })))));
  return load();
}
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
  fetch: async (request: Request, env: Env, ctx: ExecutionContext) => (await httpApp(env)).fetch(request, env, ctx),
  queue: async (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => (await queueConsumer()).handleQueueBatch(batch, env, ctx),
  scheduled: async (controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
    (await upkeep()).handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
