import { z } from "../../lib/zod";
import { IdempotencyKeyHeaders } from "../idempotency";
import { authErrors, emptyResponse, IDEMPOTENT_REPLAY_HEADERS, jsonBody, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { EmailInput, IdParam, RoleRefSchema, Timestamp } from "../schemas";
import { DELIVERY_STATUSES, INVITATION_STATUSES } from "../../domain/invitation-statuses";
import { SEARCH_DESCRIPTION, searchParam } from "../../lib/search";
import { contract } from "../contract";
import * as operations from "./org-invitations.operations";

const tags = ["Invitations"];

export const InvitedBySchema = z
  .object({ type: z.enum(["user", "api_key"]), id: z.string(), name: z.string() })
  .openapi("InvitedBy", { description: "Who sent the invitation: a user, or an API key (by its name at the time)." });

export const InvitationSchema = z
  .object({
    id: z.string().openapi({ example: "inv_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    email: z.string().openapi({ example: "pat@example.com" }),
    role: RoleRefSchema,
    status: z.enum(INVITATION_STATUSES),
    invitedBy: InvitedBySchema,
    expiresAt: Timestamp,
    createdAt: Timestamp,
    acceptedAt: Timestamp.nullable(),
    deliveryStatus: z
      .enum(DELIVERY_STATUSES)
      .openapi({ description: "Where the latest email is: queued, sent, or failed after every retry." }),
  })
  .openapi("Invitation");

const InvitationIdParams = z.strictObject({ id: IdParam("inv") });

export const listInvitations = contract(operations.listInvitations, {
  tags,
  summary: "List invitations",
  description: `Permissions: users.read. Oldest first. \`status\` filters; a pending invitation past its expiry counts as \`expired\`. \`q\` matches the email. ${SEARCH_DESCRIPTION}`,
  request: {
    query: PaginationQuery.extend({
      status: z
        .enum(INVITATION_STATUSES)
        .optional()
        .openapi({ param: { name: "status", in: "query" } }),
      q: searchParam("pat@"),
    }),
  },
  responses: { 200: jsonResponse(pageSchema(InvitationSchema, "InvitationPage"), "A page of invitations"), ...authErrors(404) },
});

export const createInvitation = contract(operations.createInvitation, {
  tags,
  summary: "Invite someone by email",
  description:
    "Permissions: users.invite. The email is trimmed and lower-cased. The inviter must hold every permission of `role` (403). An existing member → 409 `already_member`; a second pending invitation to the same address → 409 `invitation_pending`. Queues the email (see `deliveryStatus`); the link expires in 7 days. Rate limited per organization (429). A session whose email address is not verified → 403 `email_not_verified`.",
  request: {
    headers: IdempotencyKeyHeaders,
    body: jsonBody(
      z
        .strictObject({ email: EmailInput, role: z.string().trim().min(1).max(100).openapi({ example: "Member" }) })
        .openapi("InvitationCreateInput"),
    ),
  },
  responses: {
    201: jsonResponse(InvitationSchema, "Created; the email is queued", ...IDEMPOTENT_REPLAY_HEADERS),
    ...authErrors(404, 409, 413, 415, 429, 422),
  },
});

export const resendInvitation = contract(operations.resendInvitation, {
  tags,
  summary: "Resend an invitation",
  description:
    "Permissions: users.invite. Issues a new link (the old one stops working), a new 7-day expiry and a new email. Works on pending and expired invitations; accepted or revoked ones are a 409. A session whose email address is not verified → 403 `email_not_verified`.",
  request: { headers: IdempotencyKeyHeaders, params: InvitationIdParams },
  responses: { 200: jsonResponse(InvitationSchema, "Resent", ...IDEMPOTENT_REPLAY_HEADERS), ...authErrors(404, 409, 429, 422) },
});

export const revokeInvitation = contract(operations.revokeInvitation, {
  tags,
  summary: "Revoke a pending invitation",
  description: "Permissions: users.invite. The link stops working. Only a pending invitation can be revoked (409 otherwise).",
  request: { params: InvitationIdParams },
  responses: { 204: emptyResponse("Revoked"), ...authErrors(404, 409) },
});
