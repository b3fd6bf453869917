import type { Env } from "./env";
import { createApp } from "./app";
import { handleQueueBatch } from "./queues/consumer";
import { handleScheduled } from "./scheduled/upkeep";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => handleQueueBatch(batch, env, ctx),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
