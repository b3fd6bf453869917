import { and, eq, isNull, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { emailTokens, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { notFound } from "../../lib/errors";
import { hashPassword } from "../../lib/passwords";
import { claimEmailToken, enqueueAccountEmail, findLiveEmailToken, newEmailToken, storeEmailToken } from "./email-tokens";
import { enforceRateLimit } from "./rate-limit";
import { takeBackUnprovenArming } from "./unproven-arming";
import { normalizeEmail } from "./sessions";

/** The one answer to a reset request, whether or not the account exists. */
export const PASSWORD_RESET_ACCEPTED = "If an account has this address, we sent it a link to choose a new password. It works for 1 hour.";

/**
 * Starts a password reset. The answer is the same 202 whether or not an account has this address:
 * both paths do the same work on the request path (rate limits, one indexed lookup, minting and
 * hashing a token), and storing the token and queueing the email happen after the response.
 * Rate limited per client IP and per address.
 */
export async function requestPasswordReset({ ctx, input, clientIp }: { ctx: RequestContext; input: { email: string }; clientIp: string }) {
  const email = normalizeEmail(input.email);
  await enforceRateLimit(ctx.env.RATE_LIMIT_IP, `reset:${clientIp}`);
  await enforceRateLimit(ctx.env.RATE_LIMIT_EMAIL_SEND, `reset:${email}`);
  const user = await ctx.db.select({ id: users.id, email: users.email }).from(users).where(eq(users.email, email)).get();
  const { row, message } = await newEmailToken(ctx, "reset_password", user ?? { id: "usr_none", email });
  if (!user) return;
  ctx.waitUntil(
    (async () => {
      await ctx.db.batch([...storeEmailToken(ctx, row)]);
      await enqueueAccountEmail(ctx, message);
    })().catch((error: unknown) => ctx.log.error("password_reset_store_failed", { error: String(error) })),
  );
}

/**
 * Whether a reset link still works, for its page: a used, replaced or unknown token is a 404, an
 * expired one a 410 `token_expired`. Reads only; the token stays usable.
 */
export async function checkPasswordResetLink({ ctx, input }: { ctx: RequestContext; input: { token: string } }): Promise<void> {
  await findLiveEmailToken(ctx, input.token, "reset_password");
}

/**
 * Sets a new password through a reset link. One batch, guarded by the token claim: the new
 * password, the address marked verified (the link proved the mailbox), every other reset link of
 * the user dead, and **every** session of the user deleted — their cached credentials are dropped
 * right after, so a session someone else held is a 401 at once. If the address was unverified until
 * now, what the account armed meanwhile is revoked in the same batch (unproven-arming.ts).
 */
export async function confirmPasswordReset({ ctx, input }: { ctx: RequestContext; input: { token: string; password: string } }) {
  const row = await findLiveEmailToken(ctx, input.token, "reset_password");
  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  const { claim, claimed } = claimEmailToken(ctx, row, now);
  // Before the address is marked verified below: the take-back holds only while it is not.
  const takeBack = await takeBackUnprovenArming(ctx, row.userId, claimed);
  const [claimedRows, ...rest] = await ctx.db.batch([
    claim,
    ...takeBack.statements,
    ctx.db
      .update(users)
      .set({
        passwordHash,
        emailVerified: true,
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now.getTime()})`,
        updatedAt: now,
      })
      .where(and(eq(users.id, row.userId), eq(users.email, row.email), claimed)),
    ctx.db
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.userId, row.userId), eq(emailTokens.kind, "reset_password"), isNull(emailTokens.usedAt), claimed)),
    ctx.db
      .delete(sessions)
      .where(and(eq(sessions.userId, row.userId), claimed))
      .returning({ tokenHash: sessions.tokenHash }),
  ]);
  if ((claimedRows as unknown[]).length === 0) throw notFound("Password-reset link"); // a concurrent use won
  const revoked = rest[rest.length - 1] as { tokenHash: string }[];
  await Promise.all([
    authCache.invalidateUser(ctx, row.userId),
    ...revoked.map((s) => authCache.invalidateCredential(ctx, s.tokenHash)),
    takeBack.afterwards(rest.slice(0, takeBack.statements.length)),
  ]);
}
