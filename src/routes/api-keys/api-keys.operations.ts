import { defineOperation } from "../router";
import { apiKeyOrSession, idempotent, verifiedToArm } from "../auth-modes";

export const listApiKeys = defineOperation({
  method: "get",
  operationId: "listApiKeys",
  path: "/api/organizations/api-keys",
  ...apiKeyOrSession("api_keys.read"),
  input: ["query"],
});

export const createApiKey = defineOperation({
  method: "post",
  operationId: "createApiKey",
  path: "/api/organizations/api-keys",
  ...idempotent(apiKeyOrSession("api_keys.create")),
  ...verifiedToArm(),
  input: ["header", "json"],
});

export const revokeApiKey = defineOperation({
  method: "delete",
  operationId: "revokeApiKey",
  path: "/api/organizations/api-keys/{id}",
  ...apiKeyOrSession("api_keys.delete"),
  input: ["param"],
});
