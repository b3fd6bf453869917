import { defineOperation } from "../router";
import { apiKeyOrSession, publicRoute } from "../auth-modes";

export const createAccessToken = defineOperation({
  method: "post",
  operationId: "createAccessToken",
  path: "/api/auth/token",
  ...apiKeyOrSession(),
});

export const getJwks = defineOperation({
  method: "get",
  operationId: "getJwks",
  path: "/.well-known/jwks.json",
  ...publicRoute(),
});
