import { z } from "../../lib/zod";
import { authErrors, emptyResponse, errorResponses, jsonResponse, nullableRef } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { NameInput, PasswordInput, OrganizationSchema, RoleRefSchema, SessionTokenSchema, Timestamp, UserSchema } from "../schemas";
import { INVITATION_STATUSES } from "../../domain/invitation-statuses";
import { InvitedBySchema } from "./org-invitations.routes";
import { MemberSchema } from "../members/members.routes";
import { contract } from "../contract";
import * as operations from "./recipient.operations";

const tags = ["Accepting invitations"];

/**
 * Accepting: `{ name, password }` creates the account for the invited address; `{}` (or no body)
 * uses the session. The invitation page's form is checked with the same schema.
 */
export const AcceptWithAccountInput = z
  .strictObject({ name: NameInput, password: PasswordInput })
  .openapi("AcceptWithAccountInput", { description: "Creates the account for the invited address." });
/**
 * A body that names `name` or `password` meant the account variant: say what is wrong with it (the
 * same message sign-up gives, e.g. the password rule), not which variants exist.
 */
function acceptBodyError(issue: { code?: string; input?: unknown; errors?: { path: PropertyKey[]; message: string }[][] }) {
  const meantAccount = typeof issue.input === "object" && issue.input !== null && ("name" in issue.input || "password" in issue.input);
  const first = meantAccount ? issue.errors?.[0]?.[0] : undefined;
  if (first) return `${first.path.map(String).join(".") || "body"}: ${first.message}`;
  return "Send { name, password } to create the account, or no body (or {}) with a session.";
}

export const AcceptBody = z
  .union(
    [
      AcceptWithAccountInput,
      z.strictObject({}).openapi("AcceptWithSessionInput", { description: "Accept as the signed-in user: an empty object (or no body)." }),
    ],
    {
      error: acceptBodyError,
    },
  )
  // `oneOf`: exactly one variant matches (the session one takes no property, the account one needs both).
  .openapi("AcceptInput", {}, { unionPreferredType: "oneOf" });
const TokenParams = z.strictObject({
  token: z
    .string()
    .max(100)
    .openapi({
      param: { name: "token", in: "path" },
      description: "The token from the emailed link (`ivt_…`, 53 characters; distinct from the invitation id `inv_…`).",
    }),
});

export const previewInvitation = contract(operations.previewInvitation, {
  tags,
  summary: "Preview an invitation",
  description:
    "No authentication: the token is the proof. Answers for any state so a page can explain it; an unknown or replaced token is a 404.",
  request: { params: TokenParams },
  responses: {
    200: jsonResponse(
      z
        .object({
          organization: z.object({ name: z.string(), logo: z.string().nullable() }),
          role: RoleRefSchema,
          email: z.string(),
          invitedBy: InvitedBySchema,
          expiresAt: Timestamp,
          status: z.enum(INVITATION_STATUSES),
          hasAccount: z.boolean().openapi({
            description: "Whether the invited address already has an account (sign in to accept) or not (sign up while accepting).",
          }),
        })
        .openapi("InvitationPreview"),
      "The invitation",
    ),
    ...errorResponses(404),
  },
});

export const acceptInvitation = contract(operations.acceptInvitation, {
  tags,
  summary: "Accept an invitation",
  description: [
    "With a session: the session user's email must equal the invited address (case-insensitive), else 403; send no body. A signed-in recipient may use the invitation id from GET /api/invitations in place of the token.",
    "Without a session: send `{ name, password }` to create the account for the invited address (409 `email_taken` if it exists: sign in first); the account is verified (the link proved the mailbox) and the response carries a new session.",
    "Creates the membership and makes the organization the session's active one. Single use: a used or revoked invitation is a 404, an expired one a 410 `invitation_expired`; concurrent accepts create exactly one membership.",
  ].join("\n\n"),
  request: {
    params: TokenParams,
    body: {
      required: false,
      content: {
        "application/json": {
          schema: AcceptBody,
        },
      },
    },
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          member: MemberSchema,
          organization: nullableRef(OrganizationSchema),
          user: UserSchema.optional(),
          session: SessionTokenSchema.optional(),
        })
        .openapi("AcceptResult"),
      "Accepted (the `session` cookie is set when a new account signs in here)",
      "Set-Cookie",
    ),
    ...authErrors(404, 409, 410, 413, 415),
  },
});

export const declineInvitation = contract(operations.declineInvitation, {
  tags,
  summary: "Decline an invitation",
  description: "No authentication: the token is the proof. The invitation becomes `revoked`. Used or revoked → 404, expired → 410.",
  request: { params: TokenParams },
  responses: { 204: emptyResponse("Declined"), ...errorResponses(404, 410) },
});

export const listMyInvitations = contract(operations.listMyInvitations, {
  tags,
  summary: "My pending invitations",
  description:
    "Pending, unexpired invitations addressed to the session user's email. Only for a verified address: an unverified one → 403 `email_not_verified` (anyone can sign up with any address; only the mailbox's owner may see what was sent to it). Accept one with POST /api/invitations/{id}/accept.",
  request: { query: PaginationQuery },
  responses: {
    200: jsonResponse(
      pageSchema(
        z
          .object({
            id: z.string(),
            organization: z.object({ id: z.string(), name: z.string(), logo: z.string().nullable() }),
            role: RoleRefSchema,
            invitedBy: InvitedBySchema,
            expiresAt: Timestamp,
            createdAt: Timestamp,
          })
          .openapi("MyInvitation"),
        "MyInvitationPage",
      ),
      "A page of invitations",
    ),
    ...authErrors(),
  },
});
