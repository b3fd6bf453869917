import { buildContext } from "../context";
import type { Env } from "../env";
import { attemptDelivery, RETRY_DELAYS_SECONDS } from "../services/webhooks/deliver";
import { fanOutEvent } from "../services/webhooks/fan-out";
import { WebhookMessage } from "../services/webhooks/messages";

export const WEBHOOKS_QUEUE = "tours-events-webhooks";

/**
 * The WEBHOOKS queue: `event` messages fan out, `delivery` messages send (and retry themselves
 * through message.retry({ delaySeconds }) on the schedule in services/webhooks/deliver.ts). Each
 * message is validated with zod; one that does not parse is logged and acked. An unexpected error
 * (D1 unavailable) retries the message after 30 s.
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
    const body = parsed.data;
    try {
      if (body.kind === "event") {
        const result = await fanOutEvent(ctx, body.eventId);
        ctx.log.info("webhook_fan_out", { eventId: body.eventId, ...result });
        message.ack();
        continue;
      }
      const result = await attemptDelivery(ctx, body, message.attempts);
      ctx.log.info("webhook_delivery", { deliveryId: body.deliveryId, manual: body.manual ?? false, attempt: message.attempts, ...result });
      if (result.outcome === "failed" && result.retryInSeconds !== undefined) message.retry({ delaySeconds: result.retryInSeconds });
      else message.ack();
    } catch (error) {
      ctx.log.error("webhook_message_failed", { kind: body.kind, attempts: message.attempts, error: String(error) });
      message.retry({ delaySeconds: RETRY_DELAYS_SECONDS[0] });
    }
  }
}
