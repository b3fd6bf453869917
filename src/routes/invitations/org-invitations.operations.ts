import { defineOperation } from "../router";
import { apiKeyOrSession, idempotent, verifiedToArm } from "../auth-modes";

export const listInvitations = defineOperation({
  method: "get",
  operationId: "listInvitations",
  path: "/api/organizations/invitations",
  ...apiKeyOrSession("users.read"),
  input: ["query"],
});

export const createInvitation = defineOperation({
  method: "post",
  operationId: "createInvitation",
  path: "/api/organizations/invitations",
  ...idempotent(apiKeyOrSession("users.invite")),
  ...verifiedToArm(),
  input: ["header", "json"],
});

export const resendInvitation = defineOperation({
  method: "post",
  operationId: "resendInvitation",
  path: "/api/organizations/invitations/{id}",
  ...idempotent(apiKeyOrSession("users.invite")),
  ...verifiedToArm(),
  input: ["param", "header"],
});

export const revokeInvitation = defineOperation({
  method: "delete",
  operationId: "revokeInvitation",
  path: "/api/organizations/invitations/{id}",
  ...apiKeyOrSession("users.invite"),
  input: ["param"],
});
