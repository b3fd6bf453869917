import { and, asc, eq, isNull, lte, not, or, sql, type SQL } from "drizzle-orm";
import { webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { keyIdOf } from "../../lib/secret-box";
import { encryptSecret, isUnreadableSecret, openSecret, webhookKeyRing } from "./secrets";

/** Rows re-sealed per scheduled run: bounded work whatever the backlog (every 15 minutes: 9,600 a day). */
export const RESEAL_BATCH_ROWS = 100;

export interface ResealReport {
  /** The key everything should end up under: what an operator compares against. */
  currentKeyId: string;
  resealed: number;
  /** Rows the configured keys cannot open: left as they are, logged one by one. */
  unreadable: number;
  /** Rows still not under the current key after this run (unreadable ones included). */
  remaining: number;
}

/**
 * `WEBHOOK_SECRET_KEY` rotation, the upkeep half: re-seals under the current key, in bounded
 * batches, every secret still sealed otherwise (legacy `v1`, or under WEBHOOK_SECRET_KEY_PREVIOUS),
 * so the previous key can be retired once `remaining` is 0. A previous (rotation-overlap) secret
 * that has expired is cleared rather than re-sealed: nothing signs with it any more.
 *
 * Each row's UPDATE is guarded on both ciphertexts being what was read, so a concurrent
 * rotate-secret (itself guarded on the secret it replaces) wins and is re-sealed on a later run.
 * A row the keys cannot open is never touched: a wrong or missing previous key must not cost an
 * endpoint its secret.
 */
export async function resealWebhookSecrets(ctx: RequestContext, now = Date.now()): Promise<ResealReport> {
  const ring = webhookKeyRing(ctx.env);
  const currentKeyId = await keyIdOf(ring.current);
  const underCurrent = `v2.${currentKeyId}.%`;
  const underPrevious = ring.previous ? `v2.${await keyIdOf(ring.previous)}.%` : underCurrent;
  // Rows sealed under a key the ring does not hold go last, so they never crowd out the ones it can re-seal.
  const openable = sql`CASE WHEN ${webhookEndpoints.secretCiphertext} LIKE 'v1.%' OR ${webhookEndpoints.secretCiphertext} LIKE ${underCurrent}
    OR ${webhookEndpoints.secretCiphertext} LIKE ${underPrevious} THEN 0 ELSE 1 END`;
  const stale: SQL = or(
    not(sql`${webhookEndpoints.secretCiphertext} LIKE ${underCurrent}`),
    and(
      sql`${webhookEndpoints.previousSecretCiphertext} IS NOT NULL`,
      or(
        not(sql`${webhookEndpoints.previousSecretCiphertext} LIKE ${underCurrent}`),
        lte(webhookEndpoints.previousSecretExpiresAt, new Date(now)),
        isNull(webhookEndpoints.previousSecretExpiresAt),
      ),
    ),
  )!;

  const rows = await ctx.primary
    .select({
      id: webhookEndpoints.id,
      secret: webhookEndpoints.secretCiphertext,
      previous: webhookEndpoints.previousSecretCiphertext,
      previousExpiresAt: webhookEndpoints.previousSecretExpiresAt,
    })
    .from(webhookEndpoints)
    .where(stale)
    .orderBy(openable, asc(webhookEndpoints.id))
    .limit(RESEAL_BATCH_ROWS);

  let unreadable = 0;
  const updates = [];
  for (const row of rows) {
    try {
      const secret = await resealed(ctx, row.id, row.secret);
      const previousAlive = row.previous !== null && row.previousExpiresAt !== null && row.previousExpiresAt.getTime() > now;
      const previous = previousAlive ? await resealed(ctx, row.id, row.previous!) : null;
      updates.push(
        ctx.primary
          .update(webhookEndpoints)
          .set({
            secretCiphertext: secret,
            previousSecretCiphertext: previous,
            ...(previousAlive ? {} : { previousSecretExpiresAt: null }),
          })
          .where(
            and(
              eq(webhookEndpoints.id, row.id),
              eq(webhookEndpoints.secretCiphertext, row.secret),
              row.previous === null
                ? isNull(webhookEndpoints.previousSecretCiphertext)
                : eq(webhookEndpoints.previousSecretCiphertext, row.previous),
            ),
          ),
      );
    } catch (error) {
      if (!isUnreadableSecret(error)) throw error;
      unreadable++;
      // Loud, and by id only: the operator restores the key that sealed it (as WEBHOOK_SECRET_KEY_PREVIOUS).
      ctx.log.error("webhook_secret_unreadable", {
        endpointId: row.id,
        keyId: sealedKeyIdOrLegacy(row.secret),
        currentKeyId,
        error: String(error),
      });
    }
  }
  if (updates.length > 0) await ctx.primary.batch(updates as [(typeof updates)[number], ...typeof updates]);

  const [{ remaining }] = (await ctx.primary.select({ remaining: sql<number>`count(*)` }).from(webhookEndpoints).where(stale)) as [
    { remaining: number },
  ];
  return { currentKeyId, resealed: updates.length, unreadable, remaining };
}

/** `stored` under the current key: as it is when it already is, re-sealed otherwise. */
async function resealed(ctx: RequestContext, endpointId: string, stored: string): Promise<string> {
  const opened = await openSecret(ctx.env, endpointId, stored);
  return opened.stale ? encryptSecret(ctx.env, endpointId, opened.secret) : stored;
}

const sealedKeyIdOrLegacy = (stored: string) => (stored.startsWith("v1.") ? "v1 (no key id)" : (stored.split(".")[1] ?? "unknown"));
