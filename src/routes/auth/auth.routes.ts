import { z } from "../../lib/zod";
import { authErrors, emptyResponse, errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import {
  EmailInput,
  IdParam,
  NameInput,
  PasswordInput,
  OrganizationSchema,
  SessionTokenSchema,
  SessionViewSchema,
  Timestamp,
  UserSchema,
} from "../schemas";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { EMAIL_VERIFICATION_QUEUED } from "../../services/auth/email-verification";
import { contract } from "../contract";
import * as operations from "./auth.operations";

const tags = ["Auth"];

export const MfaChallengeSchema = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z.string().openapi({
      description: "Send with a code to POST /api/auth/sign-in/mfa. Single use, 5 minutes, at most 5 wrong codes.",
      example: "mfa_…",
    }),
    expiresAt: Timestamp,
  })
  .openapi("MfaChallenge", { description: "The password was right; the account has MFA: no session until a code is given." });
const Password = PasswordInput;

export const signUp = contract(operations.signUp, {
  tags,
  summary: "Create an account and its organization",
  description: "Creates the user and a new organization in which the user is `Admin`, and signs in. Rate limited per IP.",
  request: {
    body: jsonBody(
      z
        .strictObject({
          email: EmailInput,
          password: Password,
          name: NameInput.openapi({ example: "Ana Ruiz" }),
          organizationName: NameInput.optional().openapi({ example: "Sunset Tours" }),
        })
        .openapi("SignUpInput"),
    ),
  },
  responses: {
    201: jsonResponse(
      z.object({ user: UserSchema, organization: OrganizationSchema, session: SessionTokenSchema }).openapi("SignUpResult"),
      "Signed up",
      "Set-Cookie",
    ),
    ...errorResponses(409, 413, 415, 429),
  },
});

export const signIn = contract(operations.signIn, {
  tags,
  summary: "Sign in with email and password",
  description:
    "Answers the same 401 in the same time whether the email exists or not. Rate limited per IP and per email (429 with Retry-After). The new session's active organization is the first one the user joined. For a user with MFA enabled the answer is `{ mfaRequired: true, mfaToken, expiresAt }` and **no session**: send the token with a code to POST /api/auth/sign-in/mfa within 5 minutes.",
  request: { body: jsonBody(z.strictObject({ email: EmailInput, password: z.string().min(1).max(256) }).openapi("SignInInput")) },
  responses: {
    200: jsonResponse(
      z.union([z.object({ user: UserSchema, session: SessionTokenSchema }).openapi("SignInResult"), MfaChallengeSchema]),
      "Signed in (a session), or a second factor is due (`mfaRequired`, no session)",
      "Set-Cookie",
    ),
    ...errorResponses(401, 413, 415, 429),
  },
});

export const signOut = contract(operations.signOut, {
  tags,
  summary: "Revoke the current session",
  responses: { 204: emptyResponse("Signed out; the token stops working at once (the cookie is cleared).", "Set-Cookie"), ...authErrors() },
});

export const getSession = contract(operations.getSession, {
  tags,
  summary: "The current session",
  responses: { 200: jsonResponse(SessionViewSchema, "The session, its user and active organization"), ...authErrors() },
});

export const switchOrganization = contract(operations.switchOrganization, {
  tags,
  summary: "Switch the active organization",
  description: "The caller must be a member of the organization, else 404.",
  request: { body: jsonBody(z.strictObject({ organizationId: z.string().min(1).max(64) }).openapi("SwitchOrganizationInput")) },
  responses: { 200: jsonResponse(SessionViewSchema, "The updated session"), ...authErrors(404, 413, 415) },
});

const AccountTokenInput = (description: string) => z.string().min(1).max(100).openapi({ description });

export const requestEmailVerification = contract(operations.requestEmailVerification, {
  tags,
  summary: "Email me a new verification link",
  description:
    "Sends the signed-in user a new link to this site's `/verify-email/{token}` page (on the deployment's `APP_URL`) (the previous link stops working). 409 `email_already_verified` when the address is already verified. Rate limited per user (3 a minute).",
  responses: {
    202: jsonResponse(
      z.object({ message: z.string().openapi({ example: EMAIL_VERIFICATION_QUEUED }) }).openapi("EmailVerificationRequested"),
      "The email is queued.",
    ),
    ...authErrors(409, 429),
  },
});

export const confirmEmailVerification = contract(operations.confirmEmailVerification, {
  tags,
  summary: "Confirm an email address",
  description:
    "No authentication: holding the emailed token proves the mailbox. The address it was sent to becomes verified. Single use, 24 h: used, replaced or mistyped → 404; expired → 410 `token_expired`.",
  request: {
    body: jsonBody(
      z.strictObject({ token: AccountTokenInput("The token from the emailed link (`vet_…`).") }).openapi("EmailVerificationConfirmInput"),
    ),
  },
  responses: {
    200: jsonResponse(z.object({ user: UserSchema }).openapi("EmailVerificationResult"), "Verified"),
    ...errorResponses(404, 410, 413, 415),
  },
});

export const requestPasswordReset = contract(operations.requestPasswordReset, {
  tags,
  summary: "Email a password-reset link",
  description:
    "Always 202 with the same body, whether or not an account has this address (no enumeration; the token is stored and the email queued after the response, so timing matches too). When it does, the address gets a link to this site's `/reset-password/{token}` page (on the deployment's `APP_URL`), valid for 1 hour; earlier reset links stop working. Rate limited per client IP (30 a minute) and per address (3 a minute).",
  request: { body: jsonBody(z.strictObject({ email: EmailInput }).openapi("PasswordResetRequestInput")) },
  responses: {
    202: jsonResponse(z.object({ message: z.string() }).openapi("PasswordResetRequested"), "Accepted (sent only if the account exists)"),
    ...errorResponses(413, 415, 429),
  },
});

export const confirmPasswordReset = contract(operations.confirmPasswordReset, {
  tags,
  summary: "Set a new password with a reset link",
  description:
    "Sets the password, marks the email verified (the link proved the mailbox), and revokes **every** session of the user at once. Single use, 1 h: used, replaced or mistyped → 404; expired → 410 `token_expired`. Sign in afterwards.",
  request: {
    body: jsonBody(
      z
        .strictObject({ token: AccountTokenInput("The token from the emailed link (`prt_…`)."), password: Password })
        .openapi("PasswordResetConfirmInput"),
    ),
  },
  responses: { 204: emptyResponse("Password set; every session of the user is revoked."), ...errorResponses(404, 410, 413, 415) },
});

export const changePassword = contract(operations.changePassword, {
  tags,
  summary: "Change my password",
  description:
    "Needs the current password (403 `current_password_incorrect` otherwise; rate limited per user, 10 a minute). Every other session of the user is revoked; this one stays signed in.",
  request: {
    body: jsonBody(z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: Password }).openapi("PasswordChangeInput")),
  },
  responses: { 204: emptyResponse("Changed; other sessions revoked."), ...authErrors(409, 413, 415, 429) },
});

export const SessionInfoSchema = z
  .object({
    id: z.string().openapi({ example: "ses_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable().openapi({ description: "Kept to the minute, written after the response." }),
    expiresAt: Timestamp,
    userAgent: z.string().nullable().openapi({ example: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)" }),
    current: z.boolean().openapi({ description: "The session making this request." }),
  })
  .openapi("SessionInfo", { description: "A live session of the user. Never includes its token." });

export const listSessions = contract(operations.listSessions, {
  tags,
  summary: "My live sessions",
  description: "Newest first. Never a token or its hash.",
  request: { query: PaginationQuery },
  responses: { 200: jsonResponse(pageSchema(SessionInfoSchema, "SessionInfoPage"), "A page of sessions"), ...authErrors() },
});

export const revokeSession = contract(operations.revokeSession, {
  tags,
  summary: "Revoke one of my sessions",
  description: "Stops working at once. Another user's session id → 404. Revoking the current session signs out.",
  request: { params: z.strictObject({ id: IdParam("ses") }) },
  responses: { 204: emptyResponse("Revoked"), ...authErrors(404) },
});
