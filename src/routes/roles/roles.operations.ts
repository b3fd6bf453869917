import { defineOperation } from "../router";
import { apiKeyOrSession, idempotent } from "../auth-modes";

export const listRoles = defineOperation({
  method: "get",
  operationId: "listRoles",
  path: "/api/organizations/roles",
  ...apiKeyOrSession("roles.read"),
});

export const createRole = defineOperation({
  method: "post",
  operationId: "createRole",
  path: "/api/organizations/roles",
  ...idempotent(apiKeyOrSession("roles.create")),
  input: ["header", "json"],
});

export const updateRole = defineOperation({
  method: "patch",
  operationId: "updateRole",
  path: "/api/organizations/roles/{id}",
  ...apiKeyOrSession("roles.update"),
  input: ["param", "json"],
});

export const deleteRole = defineOperation({
  method: "delete",
  operationId: "deleteRole",
  path: "/api/organizations/roles/{id}",
  ...apiKeyOrSession("roles.delete"),
  input: ["param"],
});
