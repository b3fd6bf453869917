import { and, eq, sql } from "drizzle-orm";
import { mfaChallenges, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError } from "../../lib/errors";
import { parseToken, sha256Hex } from "../../lib/tokens";
import { insertRowWhere } from "../../db/tenant-rows";
import { enforceRateLimit } from "../auth/rate-limit";
import { userView } from "../record-views";
import { firstOrganizationOf, newSession } from "../auth/sessions";
import { liveChallenge, MFA_MAX_FAILED_ATTEMPTS } from "./challenge";
import { checkSecondFactor, CODE_INVALID_DETAIL, mfaCodeInvalid, SECOND_FACTOR_COLUMNS, type SecondFactorInput } from "./second-factor";

/**
 * The second step of a sign-in with MFA (API.md §8): the `mfaToken` from the password step and a
 * TOTP or recovery code → the session (marked `mfa`).
 */
const challengeGone = () =>
  new ApiError(
    "unauthenticated",
    "This sign-in is unknown, expired, already used or had too many wrong codes. Sign in with the password again.",
  );

export async function completeMfaSignIn({
  ctx,
  input,
  userAgent,
}: {
  ctx: RequestContext;
  input: SecondFactorInput & { mfaToken: string };
  userAgent: string | null;
}) {
  if ((input.code === undefined) === (input.recoveryCode === undefined)) {
    throw new ApiError("validation_failed", "Send either `code` (from the authenticator app) or `recoveryCode`.", {
      errors: [{ path: "(body)", message: "Exactly one of code, recoveryCode is required." }],
    });
  }
  // A malformed token is refused before any read.
  if (parseToken(input.mfaToken) !== "mfaChallenge") throw challengeGone();
  const tokenHash = await sha256Hex(input.mfaToken);
  const now = new Date();
  const challenge = await ctx.primary
    .select({ userId: mfaChallenges.userId })
    .from(mfaChallenges)
    .where(liveChallenge(tokenHash, now))
    .get();
  if (!challenge) throw challengeGone();
  await enforceRateLimit(ctx.env.RATE_LIMIT_MFA, `mfa:${challenge.userId}`);

  const user = await ctx.primary
    .select({ ...SECOND_FACTOR_COLUMNS, email: users.email, name: users.name, emailVerified: users.emailVerified })
    .from(users)
    .where(eq(users.id, challenge.userId))
    .get();
  const accepted = user ? await checkSecondFactor(ctx, user, input) : null;
  if (!user || !accepted) return wrongCode(ctx, tokenHash);

  // The active organization: the one the user joined first (as the password-only sign-in picks it).
  const session = await newSession(user.id, await firstOrganizationOf(ctx, user.id), now.getTime(), userAgent);
  // One batch: the code is accepted (guarded on it being unused and the challenge still live), the
  // challenge consumed, the session made — each only if the statement before it changed a row.
  const [used] = await ctx.db.batch([
    ctx.db
      .update(users)
      .set(accepted.set)
      .where(
        and(
          eq(users.id, user.id),
          eq(users.mfaEnabled, true),
          accepted.guard,
          sql`EXISTS (SELECT 1 FROM ${mfaChallenges} WHERE ${liveChallenge(tokenHash, now)})`,
        ),
      )
      .returning({ id: users.id }),
    ctx.db.delete(mfaChallenges).where(and(eq(mfaChallenges.tokenHash, tokenHash), sql`changes() > 0`)),
    insertRowWhere(ctx.db, sessions, { ...session.row, mfa: true }, users, and(eq(users.id, user.id), sql`changes() > 0`)!),
  ]);
  if (used.length === 0) return wrongCode(ctx, tokenHash);
  return {
    user: userView({ ...user, mfaEnabled: true }),
    session: { token: session.token, expiresAt: session.expiresAt },
  };
}

/** Counts a wrong (or replayed) code against the challenge; the fifth kills it. */
async function wrongCode(ctx: RequestContext, tokenHash: string): Promise<never> {
  const [counted] = await ctx.db.batch([
    ctx.db
      .update(mfaChallenges)
      .set({ failedAttempts: sql`${mfaChallenges.failedAttempts} + 1` })
      .where(eq(mfaChallenges.tokenHash, tokenHash))
      .returning({ failedAttempts: mfaChallenges.failedAttempts }),
    ctx.db
      .delete(mfaChallenges)
      .where(and(eq(mfaChallenges.tokenHash, tokenHash), sql`${mfaChallenges.failedAttempts} >= ${MFA_MAX_FAILED_ATTEMPTS}`)),
  ]);
  const left = MFA_MAX_FAILED_ATTEMPTS - (counted[0]?.failedAttempts ?? MFA_MAX_FAILED_ATTEMPTS);
  throw mfaCodeInvalid(
    left > 0
      ? `${CODE_INVALID_DETAIL} ${left} attempt${left === 1 ? "" : "s"} left for this sign-in.`
      : `${CODE_INVALID_DETAIL} This sign-in is over: sign in with the password again.`,
    401,
  );
}
