import { buildContext } from "../context";
import type { Env } from "../env";
import { ingestUsage } from "../services/traffic/usage-ingest";
import { UsageMessage, type UsageEntry } from "../services/traffic/usage-messages";

export const USAGE_QUEUE = "tours-events-usage";

/**
 * The USAGE queue (services/traffic/usage-buffer.ts sends): the whole batch is summed and written
 * at once (services/traffic/usage-ingest.ts). A message that does not parse is logged and acked; if
 * the write fails, the batch is retried as a whole (the write is one db.batch: all of it or nothing),
 * and after max_retries its counts are lost, logged.
 */
export async function handleUsageBatch(batch: MessageBatch<unknown>, env: Env, executionCtx: ExecutionContext): Promise<void> {
  const ctx = buildContext({
    env,
    messageId: batch.messages[0]?.id ?? "usage-batch",
    waitUntil: (promise) => executionCtx.waitUntil(promise),
  });
  const entries: UsageEntry[] = [];
  for (const message of batch.messages) {
    const parsed = UsageMessage.safeParse(message.body);
    if (!parsed.success) {
      ctx.log.error("queue_message_invalid", { queue: batch.queue, issues: parsed.error.issues.length });
      message.ack();
      continue;
    }
    entries.push(...parsed.data.entries);
  }
  if (entries.length === 0) return;
  try {
    const statements = await ingestUsage(ctx, entries);
    const requests = entries.reduce((n, e) => n + e.requests, 0);
    ctx.log.info("usage_ingested", { messages: batch.messages.length, entries: entries.length, requests, statements });
    batch.ackAll();
  } catch (error) {
    const final = batch.messages.every((m) => m.attempts >= 3);
    ctx.log.error("usage_ingest_failed", { messages: batch.messages.length, entries: entries.length, final, error: String(error) });
    batch.retryAll({ delaySeconds: 10 });
  }
}
