import { and, eq, sql } from "drizzle-orm";
import { events, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../env";
import { SYSTEM_ACTOR } from "../../lib/event-catalog";
import { previousStatementChanged } from "../events/recorder";
import { eventView } from "../events/views";
import { endpointView, ORGANIZATION_DELETED_REASON } from "./endpoints";
import type { DeliveryMessage } from "./messages";
import { decryptSecret, signatureHeader } from "./secrets";

/**
 * Retry schedule after a failed automatic attempt n (1-based): 30 s, 2 min, 10 min, 30 min, 1 h,
 * 2 h, 4 h, 8 h, 8 h — ten attempts over about 23.7 hours, then the delivery is `failed`.
 */
export const RETRY_DELAYS_SECONDS = [30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800] as const;
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const RESPONSE_BODY_LIMIT = 1024;

/** Disable rule: 20 failed attempts in a row, and nothing succeeded for 3 days (since the streak began). */
export const DISABLE_AFTER_FAILURES = 20;
export const DISABLE_AFTER_MS = 3 * 86_400_000;
export const DISABLED_REASON = "Disabled after 20 consecutive failed deliveries and no success for 3 days.";

export type AttemptOutcome =
  | { outcome: "skipped"; reason: string }
  | { outcome: "succeeded" | "failed"; retryInSeconds?: number };

/** Reads at most `limit` bytes of a body, as text. */
async function readSome(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) bytes.set(chunk, (offset += chunk.byteLength) - chunk.byteLength);
  return new TextDecoder().decode(bytes.slice(0, limit));
}

/**
 * One attempt of one delivery, signed per Standard Webhooks, and its bookkeeping in one batch. The
 * row is updated only while `pending` and the endpoint's counters only if that update was this
 * attempt's (matched by its `last_attempt_at`), so a message handled twice books nothing twice.
 * `attempt` is the queue's attempt number of an automatic message.
 */
export async function attemptDelivery(ctx: RequestContext, message: DeliveryMessage, attempt: number): Promise<AttemptOutcome> {
  const row = await ctx.db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: events })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .leftJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, message.deliveryId))
    .get();
  if (!row) return { outcome: "skipped", reason: "gone" }; // its endpoint was deleted
  const { delivery, endpoint, event } = row;
  if (delivery.status !== "pending") return { outcome: "skipped", reason: delivery.status };
  const lastWords = event?.type === "organization.deleted" && endpoint.disabledReason === ORGANIZATION_DELETED_REASON;
  if (!event || (!endpoint.enabled && !lastWords)) {
    await ctx.db
      .update(webhookDeliveries)
      .set({ status: "failed", nextAttemptAt: null, responseBody: event ? "Not sent: the endpoint is disabled." : "Not sent: the event no longer exists." })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending")))
      .run();
    return { outcome: "skipped", reason: event ? "disabled" : "no_event" };
  }

  const now = Date.now();
  const secrets = [await decryptSecret(ctx.env, endpoint.id, endpoint.secretCiphertext)];
  if (endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now) {
    secrets.push(await decryptSecret(ctx.env, endpoint.id, endpoint.previousSecretCiphertext));
  }
  const body = JSON.stringify(eventView(event));
  const timestamp = Math.floor(now / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": "ToursEvents-Webhooks/1",
    "webhook-id": event.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signatureHeader(secrets, event.id, timestamp, body),
  };
  let status: number | null = null;
  let responseBody: string;
  const started = Date.now();
  try {
    const response = await fetch(endpoint.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
    status = response.status;
    responseBody = await readSome(response, RESPONSE_BODY_LIMIT);
  } catch (error) {
    responseBody = (error instanceof Error && error.name === "TimeoutError" ? "Timed out after 10 s." : `Request failed: ${String(error)}`).slice(0, RESPONSE_BODY_LIMIT);
  }
  const durationMs = Date.now() - started;
  const succeeded = status !== null && status >= 200 && status < 300;
  const attemptedAt = new Date(now);
  const thisAttempt = sql`EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ${delivery.id} AND last_attempt_at = ${now})`;
  const common = { attempts: sql`${webhookDeliveries.attempts} + 1`, lastAttemptAt: attemptedAt, responseStatus: status, responseBody, durationMs };
  const isPending = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending"));

  if (succeeded) {
    await ctx.db.batch([
      ctx.db.update(webhookDeliveries).set({ ...common, status: "succeeded", nextAttemptAt: null }).where(isPending),
      ctx.db.update(webhookEndpoints).set({ consecutiveFailures: 0, failingSince: null }).where(and(eq(webhookEndpoints.id, endpoint.id), thisAttempt)),
    ]);
    return { outcome: "succeeded" };
  }

  // A manual attempt leaves the automatic schedule alone; it fails the delivery only if none is left.
  const final = !message.manual && attempt >= MAX_DELIVERY_ATTEMPTS;
  const retryInSeconds = message.manual || final ? undefined : RETRY_DELAYS_SECONDS[Math.max(0, attempt - 1)];
  const outcome = message.manual
    ? { status: sql`CASE WHEN ${webhookDeliveries.nextAttemptAt} IS NULL THEN 'failed' ELSE 'pending' END` }
    : final
      ? { status: "failed" as const, nextAttemptAt: null }
      : { status: "pending" as const, nextAttemptAt: new Date(now + retryInSeconds! * 1000) };
  const disabledView = endpointView({ ...endpoint, enabled: false, disabledReason: DISABLED_REASON, updatedAt: attemptedAt });
  await ctx.db.batch([
    ctx.db.update(webhookDeliveries).set({ ...common, ...outcome } as never).where(isPending),
    ctx.db
      .update(webhookEndpoints)
      .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`, failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` })
      .where(and(eq(webhookEndpoints.id, endpoint.id), thisAttempt)),
    // The disable rule, inside the statement that applies it; its event only if it did.
    ctx.db
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: DISABLED_REASON, updatedAt: attemptedAt })
      .where(
        and(
          eq(webhookEndpoints.id, endpoint.id),
          eq(webhookEndpoints.enabled, true),
          sql`${webhookEndpoints.consecutiveFailures} >= ${DISABLE_AFTER_FAILURES}`,
          sql`${webhookEndpoints.failingSince} <= ${now - DISABLE_AFTER_MS}`,
          thisAttempt,
        ),
      ),
    ctx.events.record("webhook_endpoint.disabled", disabledView, { enabled: true, disabledReason: endpoint.disabledReason }, {
      organizationId: endpoint.organizationId,
      actor: SYSTEM_ACTOR,
      when: previousStatementChanged,
    }),
  ]);
  await ctx.events.publish();
  return { outcome: "failed", retryInSeconds };
}
