import { buildContext } from "../context";
import type { Env } from "../env";
import { newId } from "../lib/ids";
import { pruneEvents, pruneWebhooks } from "../services/events/retention";
import { pruneIdempotencyRecords } from "../services/idempotency/records";
import { sweepExpiredInvitations } from "../services/invitations/sweep";
import { resealWebhookSecrets } from "../services/webhooks/secret-key-rotation";
import { pruneMfaChallenges } from "../services/mfa/challenge";
import { resealTotpSecrets } from "../services/mfa/secret-key-rotation";
import { pruneUsage } from "../services/traffic/usage-ingest";

/**
 * The `scheduled()` handler (the cron in wrangler.toml): bounded clean-ups, each on its own, so one
 * failing does not stop the others.
 */
export async function handleScheduled(controller: ScheduledController, env: Env, executionCtx: ExecutionContext): Promise<void> {
  const ctx = buildContext({ env, requestId: newId("req"), waitUntil: (promise) => executionCtx.waitUntil(promise) });
  const [invitations, idempotency, events, webhooks, webhookSecrets, mfaChallenges, usage, totpSecrets] = await Promise.allSettled([
    sweepExpiredInvitations(ctx),
    pruneIdempotencyRecords(ctx),
    pruneEvents(ctx, controller.scheduledTime),
    pruneWebhooks(ctx, controller.scheduledTime),
    // A WEBHOOK_SECRET_KEY rotation is done when `webhookSecrets.remaining` is 0 (then retire the previous key).
    resealWebhookSecrets(ctx, controller.scheduledTime),
    pruneMfaChallenges(ctx, controller.scheduledTime),
    // API-key usage buckets past 90 days (services/traffic/usage-ingest.ts).
    pruneUsage(ctx, controller.scheduledTime),
    // A TOTP_SECRET_KEY rotation is done when `totpSecrets.remaining` is 0 (then retire the previous key).
    resealTotpSecrets(ctx),
  ]);
  const outcome = (result: PromiseSettledResult<unknown>) => (result.status === "fulfilled" ? result.value : String(result.reason));
  ctx.log.info("scheduled_upkeep", {
    cron: controller.cron,
    expiredInvitations: outcome(invitations),
    prunedIdempotencyRecords: outcome(idempotency),
    events: outcome(events),
    webhooks: outcome(webhooks),
    webhookSecrets: outcome(webhookSecrets),
    expiredMfaChallenges: outcome(mfaChallenges),
    usage: outcome(usage),
    totpSecrets: outcome(totpSecrets),
  });
}
