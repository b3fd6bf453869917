import type { Env } from "./env";
import { once } from "./lib/once";

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

export default {
  fetch: async (request: Request, env: Env, ctx: ExecutionContext) => (await httpApp(env)).fetch(request, env, ctx),
  queue: async (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => (await queueConsumer()).handleQueueBatch(batch, env, ctx),
  scheduled: async (controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
    (await upkeep()).handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
