import { z } from "../../lib/zod";
import { authErrors, emptyResponse, jsonBody, jsonResponse } from "../../lib/openapi";
import { idSchema } from "../../lib/id-schema";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { SEARCH_DESCRIPTION, searchParam } from "../../lib/search";
import { OrganizationPatchInput, OrganizationSchema } from "../schemas";
import { contract } from "../contract";
import * as operations from "./admin.operations";

const tags = ["Super Admin"];
const WHO =
  "Super Admin session only (a platform flag granted with `npm run superadmin`, never through this API). Any API key is a 403, even one with the Admin role; the caller's own organization and role play no part.";

const OrgIdParams = z.strictObject({
  id: idSchema("org").openapi({
    param: { name: "id", in: "path" },
    description: "An organization id. A path segment that is not one (`me`, `members`, a typo) never matches this route: 404.",
    example: "org_01JD3S0M8N9A1B2C3D4E5F6G7H",
  }),
});

const count = (description: string) => z.number().int().openapi({ description, example: 3 });

export const AdminOrganizationSchema = OrganizationSchema.extend({ memberCount: count("Members of the organization.") }).openapi(
  "AdminOrganization",
);

export const AdminOrganizationDetailSchema = AdminOrganizationSchema.extend({
  apiKeyCount: count("API keys of the organization (expired ones included until revoked)."),
  invitationCount: count("Pending invitations that have not expired."),
}).openapi("AdminOrganizationDetail");

export const listOrganizations = contract(operations.listOrganizations, {
  tags,
  summary: "List all organizations",
  description: `${WHO} Every organization of the platform, oldest first, each with its member count. \`q\` matches the name. ${SEARCH_DESCRIPTION}`,
  request: {
    query: PaginationQuery.extend({
      q: searchParam("sunset"),
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(AdminOrganizationSchema, "AdminOrganizationPage"), "A page of organizations"),
    ...authErrors(),
  },
});

export const getOrganization = contract(operations.getOrganization, {
  tags,
  summary: "Get any organization",
  description: `${WHO} The organization with its member, API key and pending invitation counts (stored counters; a pending invitation past its expiry is counted until the sweep, at most 15 minutes later, stores it as expired).`,
  request: { params: OrgIdParams },
  responses: { 200: jsonResponse(AdminOrganizationDetailSchema, "The organization"), ...authErrors(404) },
});

export const updateOrganization = contract(operations.updateOrganization, {
  tags,
  summary: "Update any organization",
  description: `${WHO} The same fields and rules as PATCH /api/organizations/me; unknown fields are a 400. Answers with the same shape as GET.`,
  request: { params: OrgIdParams, body: jsonBody(OrganizationPatchInput) },
  responses: { 200: jsonResponse(AdminOrganizationDetailSchema, "The updated organization"), ...authErrors(404, 409, 413, 415) },
});

export const deleteOrganization = contract(operations.deleteOrganization, {
  tags,
  summary: "Delete any organization",
  description: `${WHO} Deletes the organization with its members, roles, invitations and API keys in one atomic step. Its API keys stop working at once (401); users keep their accounts, and a session whose active organization it was gets 404 \`no_active_organization\` on organization routes until it switches.`,
  request: { params: OrgIdParams },
  responses: { 204: emptyResponse("Deleted"), ...authErrors(404) },
});
