import { defineOperation } from "../router";
import { idempotent, publicRoute, sessionOnly } from "../auth-modes";

export const enrollTotp = defineOperation({
  method: "post",
  operationId: "enrollTotp",
  path: "/api/auth/mfa/totp",
  ...idempotent(sessionOnly()),
  input: ["header", "json"],
});

export const confirmTotp = defineOperation({
  method: "post",
  operationId: "confirmTotp",
  path: "/api/auth/mfa/totp/confirm",
  ...sessionOnly(),
  input: ["json"],
});

export const disableTotp = defineOperation({
  method: "delete",
  operationId: "disableTotp",
  path: "/api/auth/mfa/totp",
  ...sessionOnly(),
  input: ["json"],
});

export const signInWithMfa = defineOperation({
  method: "post",
  operationId: "signInWithMfa",
  path: "/api/auth/sign-in/mfa",
  ...publicRoute(),
  input: ["json"],
});
