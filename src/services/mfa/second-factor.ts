import { sql, type SQL } from "drizzle-orm";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError } from "../../lib/errors";
import { matchingStep, openTotpSecret } from "./totp";
import { hashRecoveryCode, includesHash } from "./recovery-codes";

/** The user row's second-factor columns, as read before the guarded write. */
export interface SecondFactorRow {
  id: string;
  mfaEnabled: boolean;
  totpSecret: string | null;
  totpLastStep: number | null;
  recoveryCodes: string | null;
}

/** A TOTP code, or a recovery code (either field; `code` takes both, told apart by their shape). */
export interface SecondFactorInput {
  code?: string;
  recoveryCode?: string;
}

/**
 * What the write that accepts a code must do to the user row, and the guard it must carry: a TOTP
 * code sets `totp_last_step` to its step, guarded on the stored step being earlier (a code works
 * once, even against a concurrent request with the same code); a recovery code is removed from the
 * stored list, guarded on it still being there. Put both into the one UPDATE of `users` that makes
 * the change (with `users.mfaEnabled` true in its WHERE); if it touches nothing, the code was used.
 */
export interface AcceptedSecondFactor {
  set: { totpLastStep: number } | { recoveryCodes: SQL };
  guard: SQL;
  kind: "totp" | "recovery_code";
}

const TOTP_SHAPE = /^\d{6}$/;

/**
 * Checks the code against the row (constant-time comparisons throughout) and says how to accept it,
 * or null when it is wrong or already used. No write: the caller's batch makes it.
 */
export async function checkSecondFactor(
  ctx: RequestContext,
  row: SecondFactorRow,
  input: SecondFactorInput,
): Promise<AcceptedSecondFactor | null> {
  if (!row.mfaEnabled) return null;
  const totp = input.code !== undefined && TOTP_SHAPE.test(input.code.trim()) ? input.code.trim() : undefined;
  const recovery = input.recoveryCode ?? (totp === undefined ? input.code : undefined);
  if (totp !== undefined) {
    if (!row.totpSecret) return null;
    const step = matchingStep(await openTotpSecret(ctx.env, row.id, row.totpSecret), totp);
    if (step === null || (row.totpLastStep !== null && step <= row.totpLastStep)) return null;
    return { kind: "totp", set: { totpLastStep: step }, guard: sql`(${users.totpLastStep} IS NULL OR ${users.totpLastStep} < ${step})` };
  }
  if (recovery === undefined) return null;
  const hash = await hashRecoveryCode(recovery);
  if (!includesHash(row.recoveryCodes, hash)) return null;
  return {
    kind: "recovery_code",
    set: { recoveryCodes: sql`(SELECT json_group_array(value) FROM json_each(${users.recoveryCodes}) WHERE value <> ${hash})` },
    guard: sql`EXISTS (SELECT 1 FROM json_each(${users.recoveryCodes}) WHERE value = ${hash})`,
  };
}

export const SECOND_FACTOR_COLUMNS = {
  id: users.id,
  mfaEnabled: users.mfaEnabled,
  totpSecret: users.totpSecret,
  totpLastStep: users.totpLastStep,
  recoveryCodes: users.recoveryCodes,
};

/** A wrong, used or missing code, with the status of where it was given (API.md §8). */
export const mfaCodeInvalid = (detail: string, status: ContentfulStatusCode) => new ApiError("mfa_code_invalid", detail, { status });

export const CODE_INVALID_DETAIL =
  "The code is wrong or was already used. Enter the current code from your authenticator app, or an unused recovery code.";
