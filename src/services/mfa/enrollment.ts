import { and, eq } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { verifyPassword } from "../../lib/passwords";
import { sessionCaller } from "../auth/guards";
import { enforceRateLimit } from "../auth/rate-limit";
import { matchingStep, newTotpSecret, openTotpSecret, otpauthUri, sealTotpSecret } from "./totp";
import { hashRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { checkSecondFactor, CODE_INVALID_DETAIL, mfaCodeInvalid, SECOND_FACTOR_COLUMNS } from "./second-factor";

/**
 * Enrolling a TOTP second factor (docs/lifecycle-and-mfa.md): POST /api/auth/mfa/totp (password) →
 * a new secret, unconfirmed; POST …/confirm (a code from the app) → MFA on and 10 recovery codes,
 * shown once; DELETE (password and a code) → off, recovery codes gone. Every step is rate limited
 * per user (RATE_LIMIT_MFA) and guarded in its UPDATE on the state it read.
 */

export const mfaAlreadyEnabled = () =>
  new ApiError(
    "mfa_already_enabled",
    "MFA is already enabled for this account. Disable it first (DELETE /api/auth/mfa/totp) to enroll another device.",
  );

export const passwordIncorrect = () => new ApiError("current_password_incorrect", "The password is not right.");

async function userRow(ctx: RequestContext, userId: string) {
  const row = await ctx.primary
    .select({ ...SECOND_FACTOR_COLUMNS, email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  if (!row) throw notFound("User");
  return row;
}

/** The password again (a stolen session alone cannot enroll an attacker's device), then a fresh secret replacing any unconfirmed one. */
export async function enrollTotp({ ctx, input }: { ctx: RequestContext; input: { password: string } }) {
  const principal = sessionCaller(ctx);
  await enforceRateLimit(ctx.env.RATE_LIMIT_MFA, `mfa:${principal.user.id}`);
  const row = await userRow(ctx, principal.user.id);
  if (!(await verifyPassword(input.password, row.passwordHash))) throw passwordIncorrect();
  if (row.mfaEnabled) throw mfaAlreadyEnabled();
  const secret = newTotpSecret();
  const sealed = await sealTotpSecret(ctx.env, row.id, secret);
  const updated = await ctx.db
    .update(users)
    .set({ totpSecret: sealed, totpLastStep: null, updatedAt: new Date() })
    .where(and(eq(users.id, row.id), eq(users.mfaEnabled, false)))
    .returning({ id: users.id })
    .get();
  if (!updated) throw mfaAlreadyEnabled();
  return { secret, otpauthUri: otpauthUri(secret, row.email) };
}

/** A code from the app proves it holds the secret: MFA is on, and the recovery codes are made (shown only in this answer). */
export async function confirmTotp({ ctx, input }: { ctx: RequestContext; input: { code: string } }) {
  const principal = sessionCaller(ctx);
  await enforceRateLimit(ctx.env.RATE_LIMIT_MFA, `mfa:${principal.user.id}`);
  const row = await userRow(ctx, principal.user.id);
  if (row.mfaEnabled) throw mfaAlreadyEnabled();
  if (!row.totpSecret) throw new ApiError("conflict", "There is no enrollment to confirm: start one with POST /api/auth/mfa/totp.");
  const step = matchingStep(await openTotpSecret(ctx.env, row.id, row.totpSecret), input.code.trim());
  if (step === null) throw mfaCodeInvalid("The code does not match the secret. Check the device's clock and enter the current code.", 400);
  const recoveryCodes = newRecoveryCodes();
  const hashes = await Promise.all(recoveryCodes.map(hashRecoveryCode));
  // Guarded on the secret the code was checked against: a re-enrollment meanwhile makes this a no-op.
  const confirmed = await ctx.db
    .update(users)
    .set({ mfaEnabled: true, totpLastStep: step, recoveryCodes: JSON.stringify(hashes), updatedAt: new Date() })
    .where(and(eq(users.id, row.id), eq(users.mfaEnabled, false), eq(users.totpSecret, row.totpSecret)))
    .returning({ id: users.id })
    .get();
  if (!confirmed)
    throw new ApiError("conflict", "The enrollment changed while this request ran (another enrollment or confirmation). Start again.");
  await authCache.invalidateUser(ctx, row.id);
  return { recoveryCodes };
}

/** The password and a code (TOTP or recovery): MFA off, the secret and every recovery code discarded. */
export async function disableTotp({ ctx, input }: { ctx: RequestContext; input: { password: string; code: string } }) {
  const principal = sessionCaller(ctx);
  await enforceRateLimit(ctx.env.RATE_LIMIT_MFA, `mfa:${principal.user.id}`);
  const row = await userRow(ctx, principal.user.id);
  if (!(await verifyPassword(input.password, row.passwordHash))) throw passwordIncorrect();
  if (!row.mfaEnabled) throw new ApiError("mfa_not_enabled", "MFA is not enabled for this account.");
  const accepted = await checkSecondFactor(ctx, row, { code: input.code });
  if (!accepted) throw mfaCodeInvalid(CODE_INVALID_DETAIL, 403);
  const disabled = await ctx.db
    .update(users)
    .set({ mfaEnabled: false, totpSecret: null, totpLastStep: null, recoveryCodes: null, updatedAt: new Date() })
    .where(and(eq(users.id, row.id), eq(users.mfaEnabled, true), accepted.guard))
    .returning({ id: users.id })
    .get();
  if (!disabled) throw mfaCodeInvalid(CODE_INVALID_DETAIL, 403);
  await authCache.invalidateUser(ctx, row.id);
}
