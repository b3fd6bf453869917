import { and, eq, gt, inArray, lt, lte } from "drizzle-orm";
import { mfaChallenges } from "../../db/schema";
import type { RequestContext } from "../../context";
import { mintToken, sha256Hex } from "../../lib/tokens";
import { isoTime } from "../record-views";

/**
 * Signing in with MFA, in two steps (API.md §8). The password step (services/auth/sessions.ts
 * signIn) answers `{ mfaRequired, mfaToken, expiresAt }` and makes no session; this step takes the
 * token and a TOTP or recovery code and makes the session. The token is 256 random bits (`mfa_…`,
 * only its SHA-256 stored), lives 5 minutes, is consumed by the batch that signs in, and dies after
 * 5 wrong codes. Codes are rate limited per user (RATE_LIMIT_MFA).
 */
export const MFA_CHALLENGE_TTL_MS = 5 * 60_000;
export const MFA_MAX_FAILED_ATTEMPTS = 5;

/** The password was right and the user has MFA: a challenge instead of a session. */
export async function startMfaChallenge(ctx: RequestContext, userId: string) {
  const token = mintToken("mfaChallenge");
  const now = Date.now();
  const expiresAt = new Date(now + MFA_CHALLENGE_TTL_MS);
  await ctx.db.batch([
    // The user's dead challenges go as new ones come (bounded by the sign-in rate limits).
    ctx.db.delete(mfaChallenges).where(and(eq(mfaChallenges.userId, userId), lte(mfaChallenges.expiresAt, new Date(now)))),
    ctx.db
      .insert(mfaChallenges)
      .values({ tokenHash: await sha256Hex(token), userId, expiresAt, failedAttempts: 0, createdAt: new Date(now) }),
  ]);
  return { mfaRequired: true as const, mfaToken: token, expiresAt: isoTime(expiresAt) };
}

/** A live challenge: not expired, fewer than 5 wrong codes (SQL, for the statements that must still find it so). */
export const liveChallenge = (tokenHash: string, now: Date) =>
  and(eq(mfaChallenges.tokenHash, tokenHash), gt(mfaChallenges.expiresAt, now), lt(mfaChallenges.failedAttempts, MFA_MAX_FAILED_ATTEMPTS))!;

/** The scheduled upkeep: challenges past their 5 minutes, at most `limit` per run (the table only holds minutes' worth). */
export async function pruneMfaChallenges(ctx: RequestContext, now: number, limit = 1000): Promise<number> {
  const expired = ctx.db
    .select({ tokenHash: mfaChallenges.tokenHash })
    .from(mfaChallenges)
    .where(lte(mfaChallenges.expiresAt, new Date(now)))
    .limit(limit);
  const deleted = await ctx.db
    .delete(mfaChallenges)
    .where(inArray(mfaChallenges.tokenHash, expired))
    .returning({ tokenHash: mfaChallenges.tokenHash });
  return deleted.length;
}
