import { and, eq, sql } from "drizzle-orm";
import { events, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { SYSTEM_ACTOR } from "../../domain/event-types";
import { previousStatementChanged } from "../events/recorder";
import { eventView } from "../events/event-views";
import { endpointEventView, ORGANIZATION_DELETED_REASON } from "./endpoints";
import type { DeliveryMessage } from "./messages";
import { decryptSecret, isUnreadableSecret, signatureHeader } from "./secrets";
import { webhookUrlProblem } from "./url-rules";

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
  | { outcome: "succeeded" | "failed"; retryInSeconds?: number }
  /** Not attempted (the signing secret is unreadable with the configured keys): the row waits, untouched but for a note. */
  | { outcome: "deferred"; retryInSeconds?: number };

/** The automatic retry delay after queue attempt `attempt` (1-based). */
const retryDelayAfter = (attempt: number) => RETRY_DELAYS_SECONDS[Math.min(Math.max(0, attempt - 1), RETRY_DELAYS_SECONDS.length - 1)]!;

/**
 * Reads at most `limit` bytes of a body, as text, within `signal`: a receiver that sends its headers
 * and then stalls its body is cut off like one that never answers (the reader is cancelled and the
 * signal's reason thrown), instead of holding the attempt open and being booked a success.
 */
async function readSome(response: Response, limit: number, signal: AbortSignal): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  // A stubbed or already-detached body does not watch the fetch's signal: cancel it ourselves.
  const stop = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    signal.removeEventListener("abort", stop);
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) bytes.set(chunk, (offset += chunk.byteLength) - chunk.byteLength);
  return new TextDecoder().decode(bytes.slice(0, limit));
}

/**
 * What a failed exchange is recorded as, in words an integrator can act on. workerd reports a
 * refused connection as "Network connection lost." (seen under `wrangler dev` against a closed
 * port), which reads like our fault: nothing answered at the origin, and that is where to look.
 */
export function describeFailure(error: unknown, url: string): string {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "TimeoutError") return "Timed out after 10 s.";
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // keep the stored value
  }
  if (
    /network connection lost|connection refused|econnrefused|econnreset|connection reset|failed to connect|could not connect/i.test(message)
  ) {
    return `Connection refused or lost: nothing answered at ${origin}.`;
  }
  // workerd reports an unresolvable name as an opaque "internal error; reference = …".
  if (/dns|name not resolved|getaddrinfo|enotfound|^internal error/i.test(message))
    return `Could not reach ${origin}: the name did not resolve, or no route to it.`;
  return `Request failed: ${message}`;
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
      .set({
        status: "failed",
        nextAttemptAt: null,
        responseBody: event ? "Not sent: the endpoint is disabled." : "Not sent: the event no longer exists.",
      })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending")))
      .run();
    return { outcome: "skipped", reason: event ? "disabled" : "no_event" };
  }
  // The URL rules again, as they stand now: a URL stored before a rule existed is not sent to.
  const urlProblem = webhookUrlProblem(ctx.env, endpoint.url);
  if (urlProblem) {
    const why = urlProblem.code === "webhook_url_forbidden" ? "the URL names an internal address" : "the URL breaks the URL rules";
    await ctx.db
      .update(webhookDeliveries)
      .set({
        status: "failed",
        nextAttemptAt: null,
        responseBody: `Not sent: ${why}. ${urlProblem.message} Change it with PATCH { url }.`.slice(0, RESPONSE_BODY_LIMIT),
      })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending")))
      .run();
    return { outcome: "skipped", reason: "url_forbidden" };
  }

  const now = Date.now();
  let secrets: string[];
  try {
    secrets = [await decryptSecret(ctx.env, endpoint.id, endpoint.secretCiphertext)];
    if (endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now) {
      secrets.push(await decryptSecret(ctx.env, endpoint.id, endpoint.previousSecretCiphertext));
    }
  } catch (error) {
    if (!isUnreadableSecret(error)) throw error;
    // The operator's key setup, not the receiver: loud in the log, nothing counted against the
    // endpoint, the row kept pending so a restored WEBHOOK_SECRET_KEY_PREVIOUS delivers it.
    ctx.log.error("webhook_secret_unreadable", { endpointId: endpoint.id, deliveryId: delivery.id, error: String(error) });
    const retryInSeconds = message.manual ? undefined : retryDelayAfter(attempt);
    await ctx.db
      .update(webhookDeliveries)
      .set({
        responseBody:
          "Not sent yet: the endpoint's signing secret cannot be decrypted with the keys this deployment holds. The operator has been alerted; it will be retried.",
        ...(retryInSeconds !== undefined ? { nextAttemptAt: new Date(now + retryInSeconds * 1000) } : {}),
      })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending")))
      .run();
    return { outcome: "deferred", retryInSeconds };
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
  // One deadline for the whole exchange: connecting, headers and the (first 1 KiB of the) body.
  const deadline = AbortSignal.timeout(DELIVERY_TIMEOUT_MS);
  let headStatus: number | null = null;
  try {
    const response = await fetch(endpoint.url, { method: "POST", headers, body, redirect: "manual", signal: deadline });
    headStatus = response.status;
    const answered = await readSome(response, RESPONSE_BODY_LIMIT, deadline);
    status = response.status;
    responseBody = answered;
  } catch (error) {
    // A body that stalled after its headers is a failed attempt too (status stays null), said as such.
    const failure = describeFailure(error, endpoint.url);
    responseBody = (
      headStatus !== null && failure.startsWith("Timed out")
        ? `${failure} The headers came (status ${headStatus}); the body stalled.`
        : failure
    ).slice(0, RESPONSE_BODY_LIMIT);
  }
  const durationMs = Date.now() - started;
  const succeeded = status !== null && status >= 200 && status < 300;
  const attemptedAt = new Date(now);
  const thisAttempt = sql`EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${webhookDeliveries.id} = ${delivery.id} AND ${webhookDeliveries.lastAttemptAt} = ${now})`;
  const common = {
    attempts: sql`${webhookDeliveries.attempts} + 1`,
    lastAttemptAt: attemptedAt,
    responseStatus: status,
    responseBody,
    durationMs,
  };
  const isPending = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending"));

  if (succeeded) {
    await ctx.db.batch([
      ctx.db
        .update(webhookDeliveries)
        .set({ ...common, status: "succeeded", nextAttemptAt: null })
        .where(isPending),
      ctx.db
        .update(webhookEndpoints)
        .set({ consecutiveFailures: 0, failingSince: null })
        .where(and(eq(webhookEndpoints.id, endpoint.id), thisAttempt)),
    ]);
    return { outcome: "succeeded" };
  }

  // A manual attempt leaves the automatic schedule alone; it fails the delivery only if none is left.
  const final = !message.manual && attempt >= MAX_DELIVERY_ATTEMPTS;
  const retryInSeconds = message.manual || final ? undefined : retryDelayAfter(attempt);
  const outcome = message.manual
    ? { status: sql`CASE WHEN ${webhookDeliveries.nextAttemptAt} IS NULL THEN 'failed' ELSE 'pending' END` }
    : final
      ? { status: "failed" as const, nextAttemptAt: null }
      : { status: "pending" as const, nextAttemptAt: new Date(now + retryInSeconds! * 1000) };
  const disabledView = endpointEventView({ ...endpoint, enabled: false, disabledReason: DISABLED_REASON, updatedAt: attemptedAt });
  await ctx.db.batch([
    ctx.db
      .update(webhookDeliveries)
      .set({ ...common, ...outcome } as never)
      .where(isPending),
    ctx.db
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})`,
      })
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
    ctx.events.record(
      "webhook_endpoint.disabled",
      disabledView,
      { enabled: true, disabledReason: endpoint.disabledReason },
      {
        organizationId: endpoint.organizationId,
        actor: SYSTEM_ACTOR,
        when: previousStatementChanged,
      },
    ),
  ]);
  await ctx.events.publish();
  return { outcome: "failed", retryInSeconds };
}
