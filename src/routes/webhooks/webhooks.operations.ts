import { defineOperation } from "../router";
import { apiKeyOrSession, idempotent, verifiedToArm } from "../auth-modes";

export const listWebhooks = defineOperation({
  operationId: "listWebhooks",
  method: "get",
  path: "/api/organizations/webhooks",
  ...apiKeyOrSession("webhooks.read"),
  input: ["query"],
});

export const createWebhook = defineOperation({
  operationId: "createWebhook",
  method: "post",
  path: "/api/organizations/webhooks",
  ...idempotent(apiKeyOrSession("webhooks.create")),
  ...verifiedToArm(),
  input: ["header", "json"],
});

export const getWebhook = defineOperation({
  operationId: "getWebhook",
  method: "get",
  path: "/api/organizations/webhooks/{id}",
  ...apiKeyOrSession("webhooks.read"),
  input: ["param"],
});

export const updateWebhook = defineOperation({
  operationId: "updateWebhook",
  method: "patch",
  path: "/api/organizations/webhooks/{id}",
  ...apiKeyOrSession("webhooks.update"),
  input: ["param", "json"],
});

export const deleteWebhook = defineOperation({
  operationId: "deleteWebhook",
  method: "delete",
  path: "/api/organizations/webhooks/{id}",
  ...apiKeyOrSession("webhooks.delete"),
  input: ["param"],
});

export const rotateWebhookSecret = defineOperation({
  operationId: "rotateWebhookSecret",
  method: "post",
  path: "/api/organizations/webhooks/{id}/rotate-secret",
  ...idempotent(apiKeyOrSession("webhooks.update")),
  input: ["param", "header"],
});

export const testWebhook = defineOperation({
  operationId: "testWebhook",
  method: "post",
  path: "/api/organizations/webhooks/{id}/test",
  ...idempotent(apiKeyOrSession("webhooks.update")),
  input: ["param", "header"],
});

export const listDeliveries = defineOperation({
  operationId: "listWebhookDeliveries",
  method: "get",
  path: "/api/organizations/webhooks/{id}/deliveries",
  ...apiKeyOrSession("webhooks.read"),
  input: ["query", "param"],
});

export const retryDelivery = defineOperation({
  operationId: "retryWebhookDelivery",
  method: "post",
  path: "/api/organizations/webhooks/{id}/deliveries/{deliveryId}/retry",
  ...apiKeyOrSession("webhooks.update"),
  input: ["param"],
});
