import { defineOperation } from "../router";
import { apiKeyOrSession } from "../auth-modes";

export const listEvents = defineOperation({
  operationId: "listEvents",
  method: "get",
  path: "/api/organizations/me/events",
  ...apiKeyOrSession("audit_logs.read"),
  input: ["query"],
});

export const getEvent = defineOperation({
  operationId: "getEvent",
  method: "get",
  path: "/api/organizations/me/events/{id}",
  ...apiKeyOrSession("audit_logs.read"),
  input: ["param"],
});
