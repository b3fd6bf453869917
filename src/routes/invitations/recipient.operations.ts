import { defineOperation } from "../router";
import { optionalSession, publicRoute, verifiedSession } from "../auth-modes";

export const previewInvitation = defineOperation({
  method: "get",
  operationId: "previewInvitation",
  path: "/api/invitations/{token}",
  ...publicRoute(),
  input: ["param"],
});

export const acceptInvitation = defineOperation({
  method: "post",
  operationId: "acceptInvitation",
  path: "/api/invitations/{token}/accept",
  ...optionalSession(),
  input: ["param", "json"],
});

export const declineInvitation = defineOperation({
  method: "post",
  operationId: "declineInvitation",
  path: "/api/invitations/{token}/decline",
  ...publicRoute(),
  input: ["param"],
});

export const listMyInvitations = defineOperation({
  method: "get",
  operationId: "listMyInvitations",
  path: "/api/invitations",
  ...verifiedSession(),
  input: ["query"],
});
