import type { Env } from "./env";
import { createApp } from "./app";
import { handleQueueBatch } from "./queues/consumer";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => handleQueueBatch(batch, env, ctx),
} satisfies ExportedHandler<Env>;
