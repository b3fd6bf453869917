import { defineOperation } from "../router";
import { publicRoute } from "../auth-modes";

export const outbox = defineOperation({
  method: "get",
  operationId: "listDevOutbox",
  path: "/api/dev/outbox",
  ...publicRoute(),
  input: ["query"],
});

export const calibrate = defineOperation({
  method: "get",
  operationId: "calibrate",
  path: "/api/dev/calibrate",
  ...publicRoute(),
});
