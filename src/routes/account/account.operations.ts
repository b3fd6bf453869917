import { defineOperation } from "../router";
import { idempotent, SECURITY_SESSION_BEARER, sessionOnly, verifiedSession } from "../auth-modes";

export const createOrganization = defineOperation({
  method: "post",
  operationId: "createOrganization",
  path: "/api/organizations",
  ...idempotent({ ...verifiedSession(), security: SECURITY_SESSION_BEARER }),
  input: ["header", "json"],
});

export const leaveOrganization = defineOperation({
  method: "delete",
  operationId: "leaveOrganization",
  path: "/api/users/me/organizations/{organizationId}",
  ...sessionOnly(),
  input: ["param"],
});

export const deleteAccount = defineOperation({
  method: "delete",
  operationId: "deleteMyAccount",
  path: "/api/users/me",
  ...sessionOnly(),
  input: ["json"],
});
