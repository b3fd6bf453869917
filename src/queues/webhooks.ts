import { buildContext } from "../context";
import type { Env } from "../env";
import { WebhookMessage } from "../services/webhooks/messages";

export const WEBHOOKS_QUEUE = "tours-events-webhooks";

/**
 * The WEBHOOKS queue: event fan-out and deliveries. Each message is validated with zod; one that
 * does not parse is logged and acked (a poison message is never retried forever).
 */
export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: Env, executionCtx: ExecutionContext): Promise<void> {
  for (const message of batch.messages) {
    const ctx = buildContext({ env, messageId: message.id, waitUntil: (promise) => executionCtx.waitUntil(promise) });
    const parsed = WebhookMessage.safeParse(message.body);
    if (!parsed.success) {
      ctx.log.error("queue_message_invalid", { queue: batch.queue, issues: parsed.error.issues.length });
      message.ack();
      continue;
    }
    // No endpoints exist yet: nothing to fan out to.
    message.ack();
  }
}
