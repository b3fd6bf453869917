import { z } from "../../lib/zod";
import { authErrors, emptyResponse, errorResponses, IDEMPOTENT_REPLAY_HEADERS, jsonBody, jsonResponse } from "../../lib/openapi";
import { IdempotencyKeyHeaders } from "../idempotency";
import { SessionTokenSchema, UserSchema } from "../schemas";
import { contract } from "../contract";
import * as operations from "./mfa.operations";

/** TOTP second factor and the second step of signing in with it (docs/lifecycle-and-mfa.md). */
const tags = ["Auth"];

const PasswordField = z.string().min(1).max(256).openapi({ description: "The account's current password." });
const TotpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, { message: "Must be the 6-digit code from the authenticator app." })
  .openapi({ example: "287082" });
const CodeOrRecoveryCode = z
  .string()
  .trim()
  .min(6)
  .max(64)
  .openapi({ description: "The current 6-digit code from the authenticator app, or one unused recovery code.", example: "287082" });

export const enrollTotp = contract(operations.enrollTotp, {
  tags,
  summary: "Start a TOTP enrollment",
  description:
    "Needs the current password (403 `current_password_incorrect`). Returns a new secret (base32) and its `otpauth://` URI (show it as a QR code); nothing changes for sign-in until it is confirmed. Replaces an unconfirmed enrollment; with MFA already enabled → 409 `mfa_already_enabled`. The secret is stored encrypted (and a replay of this answer for the same `Idempotency-Key` is stored encrypted under that key). Rate limited per user (10 a minute, shared by every MFA step).",
  request: { headers: IdempotencyKeyHeaders, body: jsonBody(z.strictObject({ password: PasswordField }).openapi("TotpEnrollInput")) },
  responses: {
    201: jsonResponse(
      z
        .object({
          secret: z.string().openapi({
            description: "Base32, no padding: for typing into an authenticator app.",
            example: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
          }),
          otpauthUri: z.string().openapi({
            example:
              "otpauth://totp/Tours%20%26%20Events:ana%40sunset-tours.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Tours+%26+Events&algorithm=SHA1&digits=6&period=30",
          }),
        })
        .openapi("TotpEnrollment"),
      "Enrollment started: confirm it with a code",
      ...IDEMPOTENT_REPLAY_HEADERS,
    ),
    ...authErrors(409, 413, 415, 422, 429),
  },
});

export const confirmTotp = contract(operations.confirmTotp, {
  tags,
  summary: "Confirm the TOTP enrollment",
  description:
    "A current code from the app → MFA is enabled and 10 recovery codes are returned, **shown only here** (stored hashed; each works once). A wrong code → 400 `mfa_code_invalid`. No enrollment to confirm → 409 `conflict`; already enabled → 409 `mfa_already_enabled`. Rate limited per user.",
  request: { body: jsonBody(z.strictObject({ code: TotpCode }).openapi("TotpConfirmInput")) },
  responses: {
    200: jsonResponse(
      z
        .object({
          recoveryCodes: z
            .array(z.string())
            .length(10)
            .openapi({
              description: "Keep them somewhere safe: each signs in once when the device is lost.",
              example: ["abcd-efgh-ijkl-mnop"],
            }),
        })
        .openapi("TotpConfirmation"),
      "MFA enabled",
    ),
    ...authErrors(409, 413, 415, 429),
  },
});

export const disableTotp = contract(operations.disableTotp, {
  tags,
  summary: "Turn MFA off",
  description:
    "Needs the current password (403 `current_password_incorrect`) and a code: the TOTP or an unused recovery code (403 `mfa_code_invalid` when wrong or used). The secret and every recovery code are discarded. Not enabled → 409 `mfa_not_enabled`. Rate limited per user.",
  request: { body: jsonBody(z.strictObject({ password: PasswordField, code: CodeOrRecoveryCode }).openapi("TotpDisableInput")) },
  responses: { 204: emptyResponse("MFA disabled"), ...authErrors(409, 413, 415, 429) },
});

export const signInWithMfa = contract(operations.signInWithMfa, {
  tags,
  summary: "Sign in: the second factor",
  description:
    "The `mfaToken` from POST /api/auth/sign-in and either `code` (the app's current 6-digit code) or `recoveryCode`. → the session, marked `mfa`. A wrong or already used code → 401 `mfa_code_invalid` (the token survives at most 5 of them); an unknown, expired or used token → 401 `unauthenticated` (sign in with the password again). A TOTP code works once; a recovery code works once. Rate limited per user (429).",
  request: {
    body: jsonBody(
      z
        .strictObject({
          mfaToken: z.string().min(1).max(100).openapi({ description: "From the sign-in answer (`mfa_…`)." }),
          code: TotpCode.optional(),
          recoveryCode: z.string().trim().min(1).max(64).optional().openapi({ example: "abcd-efgh-ijkl-mnop" }),
        })
        .openapi("MfaSignInInput", { description: "Exactly one of `code` and `recoveryCode`." }),
    ),
  },
  responses: {
    200: jsonResponse(z.object({ user: UserSchema, session: SessionTokenSchema }).openapi("MfaSignInResult"), "Signed in", "Set-Cookie"),
    ...errorResponses(401, 413, 415, 429),
  },
});
