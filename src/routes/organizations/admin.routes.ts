import { createRoute } from "@hono/zod-openapi";
import { z } from "../../lib/zod";
import { authErrors, emptyResponse, jsonBody, jsonResponse } from "../../lib/openapi";
import { idPattern, idSchema } from "../../lib/ids";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { superAdmin } from "../auth-modes";
import { SEARCH_DESCRIPTION, searchParam } from "../../lib/search";
import { OrganizationPatchInput, OrganizationSchema } from "../schemas";

const tags = ["Super Admin"];
const WHO =
  "Super Admin session only (a platform flag granted with `npm run superadmin`, never through this API). Any API key is a 403, even one with the Admin role; the caller's own organization and role play no part.";

/**
 * How Hono routes `/api/organizations/{id}`: only an org id matches, so /me, /members, /roles,
 * /invitations and /api-keys never reach these routes under any method (a DELETE on /me stays that
 * path's 405, a malformed id is a plain 404). The OpenAPI document shows the plain `{id}`.
 */
export const ORG_ID_ROUTING_PATH = `/api/organizations/:id{${idPattern("org")}}`;

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

export const listOrganizations = createRoute({
  method: "get",
  operationId: "listOrganizations",
  path: "/api/organizations",
  tags,
  summary: "List all organizations",
  description: `${WHO} Every organization of the platform, oldest first, each with its member count. \`q\` matches the name. ${SEARCH_DESCRIPTION}`,
  ...superAdmin(),
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

export const getOrganization = createRoute({
  method: "get",
  operationId: "getOrganization",
  path: "/api/organizations/{id}",
  tags,
  summary: "Get any organization",
  description: `${WHO} The organization with its member, API key and pending invitation counts (stored counters; a pending invitation past its expiry is counted until the sweep, at most 15 minutes later, stores it as expired).`,
  ...superAdmin(),
  request: { params: OrgIdParams },
  responses: { 200: jsonResponse(AdminOrganizationDetailSchema, "The organization"), ...authErrors(404) },
});

export const updateOrganization = createRoute({
  method: "patch",
  operationId: "updateOrganization",
  path: "/api/organizations/{id}",
  tags,
  summary: "Update any organization",
  description: `${WHO} The same fields and rules as PATCH /api/organizations/me; unknown fields are a 400. Answers with the same shape as GET.`,
  ...superAdmin(),
  request: { params: OrgIdParams, body: jsonBody(OrganizationPatchInput) },
  responses: { 200: jsonResponse(AdminOrganizationDetailSchema, "The updated organization"), ...authErrors(404, 409, 413, 415) },
});

export const deleteOrganization = createRoute({
  method: "delete",
  operationId: "deleteOrganization",
  path: "/api/organizations/{id}",
  tags,
  summary: "Delete any organization",
  description: `${WHO} Deletes the organization with its members, roles, invitations and API keys in one atomic step. Its API keys stop working at once (401); users keep their accounts, and a session whose active organization it was gets 404 \`no_active_organization\` on organization routes until it switches.`,
  ...superAdmin(),
  request: { params: OrgIdParams },
  responses: { 204: emptyResponse("Deleted"), ...authErrors(404) },
});
