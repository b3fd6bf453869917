import { z } from "../../lib/zod";
import { authErrors, emptyResponse, IDEMPOTENT_REPLAY_HEADERS, jsonBody, jsonResponse } from "../../lib/openapi";
import { IdempotencyKeyHeaders } from "../idempotency";
import { HttpUrlInput, IdParam, NameInput, OrganizationSchema, TimezoneInput } from "../schemas";
import { contract } from "../contract";
import * as operations from "./account.operations";

/** What a signed-in user does with their own account and organizations (docs/lifecycle-and-mfa.md). */

export const createOrganization = contract(operations.createOrganization, {
  tags: ["Organizations"],
  summary: "Start another organization",
  description:
    "A verified user's session (403 `email_not_verified` otherwise) creates an organization in which the user is `Admin`. The session's active organization does not change: switch with PUT /api/auth/session/organization. Events `organization.created` and `member.added`. Rate limited per user (10 a minute → 429).",
  request: {
    headers: IdempotencyKeyHeaders,
    body: jsonBody(
      z
        .strictObject({
          name: NameInput.openapi({ example: "Sunset Tours" }),
          logo: HttpUrlInput.nullable().optional(),
          timezone: TimezoneInput.optional().openapi({ description: "IANA time zone; default `UTC`." }),
        })
        .openapi("OrganizationCreateInput"),
    ),
  },
  responses: {
    201: jsonResponse(OrganizationSchema, "The new organization", ...IDEMPOTENT_REPLAY_HEADERS),
    ...authErrors(409, 413, 415, 422, 429),
  },
});

export const leaveOrganization = contract(operations.leaveOrganization, {
  tags: ["Users"],
  summary: "Leave an organization",
  description:
    "Removes the caller's membership (event `member.removed`, the user as actor). The last Admin cannot leave (409 `last_admin`: make someone else Admin first); an organization the caller is not a member of → 404. A session whose active organization it was moves to the user's first-joined remaining organization, or to none.",
  request: { params: z.strictObject({ organizationId: IdParam("org", "organizationId") }) },
  responses: { 204: emptyResponse("Left"), ...authErrors(404, 409) },
});

export const deleteAccount = contract(operations.deleteAccount, {
  tags: ["Users"],
  summary: "Delete my account",
  description:
    'Needs the password (403 `current_password_incorrect`) and, when MFA is on, `code`: the current TOTP or a recovery code (403 `mfa_code_invalid`). Refused with 409 `sole_admin`, naming the organizations, while the user is the only Admin of an organization that has other members. Organizations where the user is the only member are deleted with the account (`organization.deleted`); every other membership is removed (`member.removed`); every session stops working at once; the address can sign up again. Stored events keep the user\'s id; the name becomes "Deleted user" and the address is removed (docs/lifecycle-and-mfa.md). Rate limited per user.',
  request: {
    body: jsonBody(
      z
        .strictObject({
          password: z.string().min(1).max(256),
          code: z
            .string()
            .trim()
            .min(6)
            .max(64)
            .optional()
            .openapi({ description: "With MFA on: the current TOTP code or an unused recovery code." }),
        })
        .openapi("AccountDeleteInput"),
    ),
  },
  responses: { 204: emptyResponse("Deleted; every session is revoked.", "Set-Cookie"), ...authErrors(409, 413, 415, 429) },
});
