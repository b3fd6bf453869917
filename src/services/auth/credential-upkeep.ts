import { eq } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import type { CredentialRecord } from "../../domain/records";
import { sessions } from "../../db/schema";
import type { RequestContext } from "../../context";

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A session's expiry slides forward at most once a day, so a busy session costs one write a day. */
const SESSION_REFRESH_AFTER_MS = 24 * 60 * 60 * 1000;
/**
 * A session's lastUsedAt is kept to the minute: at most one write per session per minute per isolate.
 * (API keys' lastUsedAt comes from the usage pipeline instead: services/traffic/.)
 */
const LAST_USED_RESOLUTION_MS = 60_000;

const lastTouched = new Map<string, number>();
/** Sessions whose expiry is being slid forward right now: one write, not one per concurrent request. */
const refreshing = new Set<string>();

/** Records a session's use (the session list shows it), after the response, like API keys. */
export function touchSession(ctx: RequestContext, sessionId: string, now: number): void {
  touchLastUsed(ctx, sessions, sessionId, now);
}

function touchLastUsed(ctx: RequestContext, table: typeof sessions, id: string, now: number): void {
  const previous = lastTouched.get(id);
  if (previous !== undefined && now - previous < LAST_USED_RESOLUTION_MS) return;
  if (lastTouched.size > 10_000) lastTouched.clear();
  lastTouched.set(id, now);
  ctx.waitUntil(
    ctx.db
      .update(table)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(table.id, id))
      .run()
      .catch((error: unknown) => ctx.log.error("last_used_write_failed", { id, error: String(error) })),
  );
}

/** Slides a session's expiry forward, after the response, once it is a day old. */
export function refreshSessionIfDue(
  ctx: RequestContext,
  record: Extract<CredentialRecord, { kind: "session" }>,
  tokenHash: string,
  now: number,
): void {
  if (record.expiresAt - now > SESSION_TTL_MS - SESSION_REFRESH_AFTER_MS || refreshing.has(record.id)) return;
  refreshing.add(record.id);
  ctx.waitUntil(
    (async () => {
      await ctx.db
        .update(sessions)
        .set({ expiresAt: new Date(now + SESSION_TTL_MS) })
        .where(eq(sessions.id, record.id))
        .run();
      await authCache.invalidateCredential(ctx, tokenHash);
    })()
      .catch((error: unknown) => ctx.log.error("session_refresh_failed", { error: String(error) }))
      .finally(() => refreshing.delete(record.id)),
  );
}
