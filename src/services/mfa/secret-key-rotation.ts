import { and, eq, gte, isNotNull, lt, or, sql, type SQL } from "drizzle-orm";
import { users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { keyIdOf, SECRET_BOX_VERSION } from "../../lib/secret-box";
import { openTotpSecret, sealTotpSecret, totpKeyRing } from "./totp";

/** Secrets re-sealed per scheduled run: bounded work whatever the backlog (every 15 minutes: 9,600 a day). */
export const TOTP_RESEAL_BATCH_ROWS = 100;
/** Secrets under a key the ring does not hold, logged by user id per run (all are counted). */
const UNREADABLE_LOGGED = 10;

export interface TotpResealReport {
  /** The key every TOTP secret should end up under: what an operator compares against. */
  currentKeyId: string;
  resealed: number;
  /** Secrets under neither configured key: left as they are (their users need the key that sealed them). */
  unreadable: number;
  /** Secrets still not under the current key after this run (unreadable ones included). */
  remaining: number;
}

/**
 * The ciphertexts sealed under `keyId` (`v2.<keyId>.…`) as a range of users_totp_secret_idx:
 * from `v2.<keyId>.` up to, not including, `v2.<keyId>/` ('/' follows '.').
 */
const sealedUnder = (keyId: string): SQL =>
  and(gte(users.totpSecret, `${SECRET_BOX_VERSION}.${keyId}.`), lt(users.totpSecret, `${SECRET_BOX_VERSION}.${keyId}/`))!;
/** Every stored secret not sealed under `keyId`: the two ranges either side of it. */
const notSealedUnder = (keyId: string): SQL =>
  and(
    isNotNull(users.totpSecret),
    or(lt(users.totpSecret, `${SECRET_BOX_VERSION}.${keyId}.`), gte(users.totpSecret, `${SECRET_BOX_VERSION}.${keyId}/`)),
  )!;

/**
 * `TOTP_SECRET_KEY` rotation, the upkeep half (docs/lifecycle-and-mfa.md): re-seals under the
 * current key, in bounded batches, the TOTP secrets sealed under TOTP_SECRET_KEY_PREVIOUS, so the
 * previous key can be retired once `remaining` is 0 — without anyone enrolling again. Every read is
 * a range of users_totp_secret_idx (the ciphertext names its key), never a scan of users.
 *
 * Each UPDATE is guarded on the ciphertext being what was read, so a concurrent enrollment or
 * disable (which replaces or clears it) wins. A secret under a key the ring does not hold is never
 * touched: a wrong or missing previous key must not cost a user their factor; it is counted and
 * logged by user id (never by value).
 */
export async function resealTotpSecrets(ctx: RequestContext): Promise<TotpResealReport> {
  const ring = totpKeyRing(ctx.env);
  const currentKeyId = await keyIdOf(ring.current);
  const previousKeyId = ring.previous ? await keyIdOf(ring.previous) : null;

  const rows = previousKeyId
    ? await ctx.primary
        .select({ id: users.id, secret: users.totpSecret })
        .from(users)
        .where(sealedUnder(previousKeyId))
        .limit(TOTP_RESEAL_BATCH_ROWS)
    : [];
  const updates = [];
  for (const row of rows) {
    const stored = row.secret!;
    let resealed: string;
    try {
      resealed = await sealTotpSecret(ctx.env, row.id, await openTotpSecret(ctx.env, row.id, stored));
    } catch (error) {
      // Names the previous key but does not open (altered, or copied from another user's row): left as it is.
      ctx.log.error("totp_secret_unreadable", { userIds: [row.id], currentKeyId, previousKeyId, error: String(error) });
      continue;
    }
    updates.push(
      ctx.primary
        .update(users)
        .set({ totpSecret: resealed })
        .where(and(eq(users.id, row.id), eq(users.totpSecret, stored))),
    );
  }
  if (updates.length > 0) await ctx.primary.batch(updates as [(typeof updates)[number], ...typeof updates]);

  const stale = notSealedUnder(currentKeyId);
  const unknown = previousKeyId ? and(stale, notSealedUnder(previousKeyId))! : stale;
  const count = async (where: SQL) =>
    ((await ctx.primary.select({ n: sql<number>`count(*)` }).from(users).where(where)) as [{ n: number }])[0].n;
  const [remaining, unreadable] = await Promise.all([count(stale), count(unknown)]);
  if (unreadable > 0) {
    const sample = await ctx.primary.select({ id: users.id }).from(users).where(unknown).limit(UNREADABLE_LOGGED);
    ctx.log.error("totp_secret_unreadable", { users: unreadable, userIds: sample.map((u) => u.id), currentKeyId, previousKeyId });
  }
  return { currentKeyId, resealed: updates.length, unreadable, remaining };
}
