import { defineOperation } from "../router";
import { adminRole, apiKeyOrSession } from "../auth-modes";

export const getCurrent = defineOperation({
  method: "get",
  operationId: "getCurrentOrganization",
  path: "/api/organizations/me",
  ...apiKeyOrSession(),
});

export const updateCurrent = defineOperation({
  method: "patch",
  operationId: "updateCurrentOrganization",
  path: "/api/organizations/me",
  ...adminRole(),
  input: ["json"],
});

export const getPermissions = defineOperation({
  method: "get",
  operationId: "getMyPermissions",
  path: "/api/organizations/me/permissions",
  ...apiKeyOrSession(),
});
