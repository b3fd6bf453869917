import { defineOperation } from "../router";
import { apiKeyOrSession, idempotent, verifiedToArm } from "../auth-modes";

export const updateApiKey = defineOperation({
  method: "patch",
  operationId: "updateApiKey",
  path: "/api/organizations/api-keys/{id}",
  ...apiKeyOrSession("api_keys.update"),
  input: ["param", "json"],
});

export const rollApiKey = defineOperation({
  method: "post",
  operationId: "rollApiKey",
  path: "/api/organizations/api-keys/{id}/roll",
  ...idempotent(apiKeyOrSession("api_keys.create")),
  ...verifiedToArm(),
  input: ["param", "header", "json"],
});

export const keyUsage = defineOperation({
  method: "get",
  operationId: "getApiKeyUsage",
  path: "/api/organizations/api-keys/{id}/usage",
  ...apiKeyOrSession("api_keys.read"),
  input: ["query", "param"],
});
