import { buildContext } from "../context";
import { handleWebhookBatch, WEBHOOKS_QUEUE } from "./webhooks";
import { handleUsageBatch, USAGE_QUEUE } from "./usage";
import type { Env } from "../env";
import { EmailMessage } from "../services/emails/messages";
import { deliverAccountEmail } from "../services/emails/deliver-account-email";
import {
  deliverInvitationEmail,
  EMAIL_MAX_ATTEMPTS,
  isRetryable,
  retryDelaySeconds,
  setDeliveryStatus,
} from "../services/emails/deliver-invitation";

export const EMAILS_QUEUE = "tours-events-emails";
export const EMAILS_DEAD_LETTER_QUEUE = "tours-events-emails-dlq";

/**
 * The `queue()` handler: the EMAILS queue sends, its dead-letter queue records failures.
 * Each message is validated with zod; one that does not parse is a poison message — logged and
 * acked, never retried forever.
 */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env, executionCtx: ExecutionContext): Promise<void> {
  if (batch.queue === WEBHOOKS_QUEUE) return handleWebhookBatch(batch, env, executionCtx);
  if (batch.queue === USAGE_QUEUE) return handleUsageBatch(batch, env, executionCtx);
  for (const message of batch.messages) {
    // One context per message: its log lines carry the message id.
    const ctx = buildContext({ env, messageId: message.id, waitUntil: (promise) => executionCtx.waitUntil(promise) });
    const parsed = EmailMessage.safeParse(message.body);
    if (!parsed.success) {
      ctx.log.error("queue_message_invalid", { queue: batch.queue, issues: parsed.error.issues.length });
      message.ack();
      continue;
    }
    const email = parsed.data;
    if (batch.queue === EMAILS_DEAD_LETTER_QUEUE) {
      // Invitations record the failure for their org's admins; an account email's sender sees that
      // no email came and asks again (resend verification, request another reset).
      if (email.type === "invitation")
        await setDeliveryStatus(ctx, email.emailId, "failed", `Undelivered after ${EMAIL_MAX_ATTEMPTS} attempts.`);
      else ctx.log.error("account_email_undelivered", { emailId: email.emailId, type: email.type });
      message.ack();
      continue;
    }
    try {
      const outcome = email.type === "invitation" ? await deliverInvitationEmail(ctx, email) : await deliverAccountEmail(ctx, email);
      ctx.log.info("email_delivery", { emailId: email.emailId, type: email.type, outcome, attempts: message.attempts });
      message.ack();
    } catch (error) {
      const final = message.attempts >= EMAIL_MAX_ATTEMPTS || !isRetryable(error);
      ctx.log.error("email_delivery_failed", {
        emailId: email.emailId,
        type: email.type,
        attempts: message.attempts,
        final,
        error: String(error),
      });
      if (email.type === "invitation") {
        await setDeliveryStatus(
          ctx,
          email.emailId,
          final ? "failed" : "queued",
          String(error instanceof Error ? error.message : error),
        ).catch(() => {});
      }
      if (final && !isRetryable(error)) {
        message.ack(); // a configuration error: retrying cannot help
      } else {
        // On the last attempt the platform moves the message to the dead-letter queue.
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }
  }
}
