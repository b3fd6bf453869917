import type { Env } from "./env";
import { once } from "./lib/once";

/**
 * The Worker's entry: three handlers, each building its part on first use in this isolate.
 *
 * Nothing heavy runs at module load. The HTTP app (every route's zod schemas, the router) is built
 * by the first `fetch`, the queue consumer by the first batch, the upkeep by the first cron tick:
 * an isolate woken for a queue batch or a cron tick never builds the HTTP app, and startup
 * (`wrangler check startup`) stays small. The price is paid once per isolate by the first
 * invocation of each kind (README "Bundle and startup" has the figures). esbuild keeps all three
 * in the one bundle: an `import()` here is a deferred module evaluation, not a network fetch.
 */
const httpApp = once(() => import("./app").then(({ createApp }) => createApp()));
const queueConsumer = once(() => import("./queues/consumer"));
const upkeep = once(() => import("./scheduled/upkeep"));

export default {
  fetch: async (request: Request, env: Env, ctx: ExecutionContext) => (await httpApp()).fetch(request, env, ctx),
  queue: async (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => (await queueConsumer()).handleQueueBatch(batch, env, ctx),
  scheduled: async (controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
    (await upkeep()).handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
