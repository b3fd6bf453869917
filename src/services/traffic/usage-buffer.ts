import type { RequestContext } from "../../context";
import { MAX_ENTRIES_PER_MESSAGE } from "./usage-message-size";
import type { UsageEntry, UsageMessage } from "./usage-messages";

/**
 * API-key usage, summed in this isolate's memory and sent to the USAGE queue off the request path
 * (docs/integration-traffic.md). No request waits for it, and no request writes D1 for it: the
 * queue's consumer adds every isolate's counts up into one upsert per key and bucket per batch
 * (services/traffic/usage-ingest.ts), so D1's writes grow with the number of busy keys, not with the
 * number of isolates serving them.
 *
 * A flush is scheduled by the first count after the previous one (at most one per
 * USAGE_FLUSH_SECONDS per isolate, or at once when the buffer holds many keys), inside that
 * request's `waitUntil`. What is lost if it never runs — the isolate is evicted first, or the queue
 * refuses the send — is this isolate's counts since its last flush: counts, never requests.
 */

const HOUR_MS = 3_600_000;
export const DEFAULT_FLUSH_SECONDS = 10;
/** Distinct (key, hour) pairs that trigger a flush at once, whatever the interval. */
export const FLUSH_AT_ENTRIES = 2_000;
/** A flush scheduled this long ago that never ran (its request's waitUntil was cut short) no longer blocks the next one. */
const STALE_FLUSH_MS = 60_000;

const buffer = new Map<string, UsageEntry>();
let flushScheduledAt: number | null = null;

export type UsageOutcome = "ok" | "client_error" | "server_error" | "rate_limited";

export function outcomeOf(status: number): UsageOutcome {
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  if (status >= 400) return "client_error";
  return "ok";
}

export function flushDelayMs(value: string | undefined): number {
  const seconds = Number(value ?? DEFAULT_FLUSH_SECONDS);
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= 25 ? seconds * 1000 : DEFAULT_FLUSH_SECONDS * 1000;
}

/** Counts one answered request of an API key, and makes sure a flush is on its way. */
export function recordKeyUsage(ctx: RequestContext, keyId: string, status: number, now = Date.now()): void {
  addUsage(keyId, outcomeOf(status), now);
  if (buffer.size >= FLUSH_AT_ENTRIES) {
    ctx.waitUntil(flushUsage(ctx));
    return;
  }
  if (flushScheduledAt !== null && now - flushScheduledAt < STALE_FLUSH_MS) return;
  flushScheduledAt = now;
  const delay = flushDelayMs(ctx.env.USAGE_FLUSH_SECONDS);
  ctx.waitUntil((delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : Promise.resolve()).then(() => flushUsage(ctx)));
}

/** Adds one request to the buffer (no I/O). */
export function addUsage(keyId: string, outcome: UsageOutcome, now = Date.now()): void {
  const hour = now - (now % HOUR_MS);
  const id = `${keyId}:${hour}`;
  let entry = buffer.get(id);
  if (!entry) buffer.set(id, (entry = { keyId, hour, requests: 0, clientErrors: 0, serverErrors: 0, rateLimited: 0, lastUsedAt: now }));
  entry.requests++;
  if (outcome === "client_error") entry.clientErrors++;
  else if (outcome === "server_error") entry.serverErrors++;
  else if (outcome === "rate_limited") entry.rateLimited++;
  if (now > entry.lastUsedAt) entry.lastUsedAt = now;
}

/** Empties the buffer into queue messages (what one flush sends; tests use it to play several isolates). */
export function takeUsageMessages(): UsageMessage[] {
  const entries = [...buffer.values()];
  buffer.clear();
  const messages: UsageMessage[] = [];
  for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_MESSAGE)
    messages.push({ kind: "usage", entries: entries.slice(i, i + MAX_ENTRIES_PER_MESSAGE) });
  return messages;
}

/** Sends what the buffer holds to the USAGE queue. Never throws: a failed send loses these counts, logged. */
export async function flushUsage(ctx: Pick<RequestContext, "env" | "log">): Promise<void> {
  flushScheduledAt = null;
  const messages = takeUsageMessages();
  if (messages.length === 0) return;
  try {
    // sendBatch takes at most 100 messages: more than 50,000 keys in one isolate's flush is not a case.
    await ctx.env.USAGE.sendBatch(messages.slice(0, 100).map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    const lost = messages.reduce((sum, m) => sum + m.entries.reduce((n, e) => n + e.requests, 0), 0);
    ctx.log.error("usage_flush_failed", {
      entries: messages.reduce((n, m) => n + m.entries.length, 0),
      requests: lost,
      error: String(error),
    });
  }
}
