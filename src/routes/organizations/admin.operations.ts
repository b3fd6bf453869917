import { defineOperation } from "../router";
import { superAdmin } from "../auth-modes";
import { idPattern } from "../../lib/ids";

/**
 * How Hono routes `/api/organizations/{id}`: only an org id matches, so /me, /members, /roles,
 * /invitations and /api-keys never reach these routes under any method (a DELETE on /me stays that
 * path's 405, a malformed id is a plain 404). The OpenAPI document shows the plain `{id}`.
 */
const ORG_ID_ROUTING_PATH = `/api/organizations/:id{${idPattern("org")}}`;

export const listOrganizations = defineOperation({
  method: "get",
  operationId: "listOrganizations",
  path: "/api/organizations",
  ...superAdmin(),
  input: ["query"],
});

export const getOrganization = defineOperation({
  method: "get",
  operationId: "getOrganization",
  path: "/api/organizations/{id}",
  routingPath: ORG_ID_ROUTING_PATH,
  ...superAdmin(),
  input: ["param"],
});

export const updateOrganization = defineOperation({
  method: "patch",
  operationId: "updateOrganization",
  path: "/api/organizations/{id}",
  routingPath: ORG_ID_ROUTING_PATH,
  ...superAdmin(),
  input: ["param", "json"],
});

export const deleteOrganization = defineOperation({
  method: "delete",
  operationId: "deleteOrganization",
  path: "/api/organizations/{id}",
  routingPath: ORG_ID_ROUTING_PATH,
  ...superAdmin(),
  input: ["param"],
});
