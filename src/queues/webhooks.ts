import { buildContext } from "../context";
import type { Env } from "../env";
import { attemptDelivery, RETRY_DELAYS_SECONDS } from "../services/webhooks/deliver";
import { fanOutEvent } from "../services/webhooks/fan-out";
import { WebhookMessage } from "../services/webhooks/messages";

export const WEBHOOKS_QUEUE = "tours-events-webhooks";

/**
 * Attempts one organization may have in flight within a batch. Below the runtime's six connections
 * waiting for headers per invocation (a seventh fetch queues behind them), so one organization's
 * receivers that never answer cannot take every slot: with a batch of 10, at most 2 of them wait on
 * one organization while the others' attempts run beside them.
 */
export const IN_FLIGHT_PER_ORGANIZATION = 2;

/**
 * The WEBHOOKS queue: `event` messages fan out, `delivery` messages send (and retry themselves
 * through message.retry({ delaySeconds }) on the schedule in services/webhooks/deliver.ts).
 *
 * A batch's messages run concurrently in lanes, one lane per organization (its deliveries carry
 * `organizationId`), each lane at most IN_FLIGHT_PER_ORGANIZATION at a time, and every message is
 * acked or retried on its own as soon as it is done: one organization's slow receivers (10 s each)
 * delay only that organization's other deliveries, never another's. Fan-out messages (D1 and a
 * queue send, no receiver) share one lane of their own; deliveries queued before messages carried
 * `organizationId` share another.
 *
 * Each message is validated with zod; one that does not parse is logged and acked. An unexpected
 * error (D1 unavailable) retries the message after 30 s.
 */
export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: Env, executionCtx: ExecutionContext): Promise<void> {
  const lanes = new Map<string, Received[]>();
  for (const message of batch.messages) {
    const parsed = WebhookMessage.safeParse(message.body);
    const lane = !parsed.success
      ? "invalid"
      : parsed.data.kind === "event"
        ? "fan-out"
        : (parsed.data.organizationId ?? "unknown-organization");
    lanes.set(lane, [...(lanes.get(lane) ?? []), { message, parsed }]);
  }
  await Promise.all(
    [...lanes].map(([lane, received]) =>
      runLimited(received, lane === "fan-out" || lane === "invalid" ? received.length : IN_FLIGHT_PER_ORGANIZATION, (r) =>
        handleMessage(r, batch.queue, env, executionCtx),
      ),
    ),
  );
}

interface Received {
  message: Message<unknown>;
  parsed: ReturnType<typeof WebhookMessage.safeParse>;
}

/** Runs `work` over `items`, at most `limit` at a time, in order of arrival. Never rejects (`work` handles its errors). */
async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function handleMessage({ message, parsed }: Received, queue: string, env: Env, executionCtx: ExecutionContext): Promise<void> {
  const ctx = buildContext({ env, messageId: message.id, waitUntil: (promise) => executionCtx.waitUntil(promise) });
  if (!parsed.success) {
    ctx.log.error("queue_message_invalid", { queue, issues: parsed.error.issues.length });
    message.ack();
    return;
  }
  const body = parsed.data;
  try {
    if (body.kind === "event") {
      const result = await fanOutEvent(ctx, body.eventId);
      ctx.log.info("webhook_fan_out", { eventId: body.eventId, ...result });
      message.ack();
      return;
    }
    const result = await attemptDelivery(ctx, body, message.attempts);
    ctx.log.info("webhook_delivery", { deliveryId: body.deliveryId, manual: body.manual ?? false, attempt: message.attempts, ...result });
    if ((result.outcome === "failed" || result.outcome === "deferred") && result.retryInSeconds !== undefined)
      message.retry({ delaySeconds: result.retryInSeconds });
    else message.ack();
  } catch (error) {
    ctx.log.error("webhook_message_failed", { kind: body.kind, attempts: message.attempts, error: String(error) });
    message.retry({ delaySeconds: RETRY_DELAYS_SECONDS[0] });
  }
}
