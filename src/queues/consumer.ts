import type { Env } from "../env";

/**
 * The EMAILS queue consumer. Each message type has a handler; a message no handler accepts is a
 * poison message: logged and acked, never retried forever.
 * (Invitation emails register here in the invitations work.)
 */
type MessageHandler = (message: Message<unknown>, env: Env, ctx: ExecutionContext) => Promise<"ack" | { retryAfterSeconds: number }>;

const handlers: MessageHandler[] = [];

export function registerQueueHandler(handler: MessageHandler) {
  handlers.push(handler);
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  for (const message of batch.messages) {
    const handler = handlers[0];
    if (!handler) {
      console.error(JSON.stringify({ msg: "queue_message_unhandled", queue: batch.queue, id: message.id }));
      message.ack();
      continue;
    }
    const outcome = await handler(message, env, ctx);
    if (outcome === "ack") message.ack();
    else message.retry({ delaySeconds: outcome.retryAfterSeconds });
  }
}
