import { defineOperation } from "../router";
import { publicRoute } from "../auth-modes";

export const health = defineOperation({
  method: "get",
  operationId: "getHealth",
  path: "/api/health",
  ...publicRoute(),
});
