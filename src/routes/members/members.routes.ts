import { z } from "../../lib/zod";
import { authErrors, emptyResponse, jsonBody, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { IdParam, MemberUserSchema, RoleRefSchema, Timestamp } from "../schemas";
import { SEARCH_DESCRIPTION, searchParam } from "../../lib/search";
import { contract } from "../contract";
import * as operations from "./members.operations";

const tags = ["Members"];

export const MemberSchema = z
  .object({
    id: z.string().openapi({ example: "mem_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    user: MemberUserSchema,
    role: RoleRefSchema,
    joinedAt: Timestamp,
  })
  .openapi("Member");

const MemberIdParams = z.strictObject({ memberId: IdParam("mem", "memberId") });

export const listMembers = contract(operations.listMembers, {
  tags,
  summary: "List members",
  description: `Permissions: users.read. Oldest first. \`role\` filters by role name (case-insensitive); \`q\` matches name or email. ${SEARCH_DESCRIPTION}`,
  request: {
    query: PaginationQuery.extend({
      role: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .openapi({ param: { name: "role", in: "query" }, example: "Member" }),
      q: searchParam("ana"),
    }),
  },
  responses: { 200: jsonResponse(pageSchema(MemberSchema, "MemberPage"), "A page of members"), ...authErrors(404) },
});

export const updateMember = contract(operations.updateMember, {
  tags,
  summary: "Change a member's role",
  description:
    "Permissions: users.update. `role` is a role name of this organization. The caller must hold every permission of the new role and of the member's current role (no escalation, 403). Demoting the last Admin is a 409 `last_admin`.",
  request: {
    params: MemberIdParams,
    body: jsonBody(z.strictObject({ role: z.string().trim().min(1).max(100).openapi({ example: "Member" }) }).openapi("MemberUpdateInput")),
  },
  responses: { 200: jsonResponse(MemberSchema, "The updated member"), ...authErrors(404, 409, 413, 415) },
});

export const removeMember = contract(operations.removeMember, {
  tags,
  summary: "Remove a member",
  description:
    "Permissions: users.delete. The user keeps their account; their sessions lose this organization at once. A member whose permissions exceed the caller's cannot be removed (403); removing the last Admin is a 409 `last_admin`.",
  request: { params: MemberIdParams },
  responses: { 204: emptyResponse("Removed"), ...authErrors(404, 409) },
});
