import { defineOperation } from "../router";
import { apiKeyOrSession } from "../auth-modes";

export const listMembers = defineOperation({
  method: "get",
  operationId: "listMembers",
  path: "/api/organizations/members",
  ...apiKeyOrSession("users.read"),
  input: ["query"],
});

export const updateMember = defineOperation({
  method: "patch",
  operationId: "updateMember",
  path: "/api/organizations/members/{memberId}",
  ...apiKeyOrSession("users.update"),
  input: ["param", "json"],
});

export const removeMember = defineOperation({
  method: "delete",
  operationId: "removeMember",
  path: "/api/organizations/members/{memberId}",
  ...apiKeyOrSession("users.delete"),
  input: ["param"],
});
