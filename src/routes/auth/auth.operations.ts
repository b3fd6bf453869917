import { defineOperation } from "../router";
import { publicRoute, sessionOnly } from "../auth-modes";

export const signUp = defineOperation({
  method: "post",
  operationId: "signUp",
  path: "/api/auth/sign-up",
  ...publicRoute(),
  input: ["json"],
});

export const signIn = defineOperation({
  method: "post",
  operationId: "signIn",
  path: "/api/auth/sign-in",
  ...publicRoute(),
  input: ["json"],
});

export const signOut = defineOperation({
  method: "post",
  operationId: "signOut",
  path: "/api/auth/sign-out",
  ...sessionOnly(),
});

export const getSession = defineOperation({
  method: "get",
  operationId: "getSession",
  path: "/api/auth/session",
  ...sessionOnly(),
});

export const switchOrganization = defineOperation({
  method: "put",
  operationId: "switchOrganization",
  path: "/api/auth/session/organization",
  ...sessionOnly(),
  input: ["json"],
});

export const requestEmailVerification = defineOperation({
  method: "post",
  operationId: "requestEmailVerification",
  path: "/api/auth/email-verification",
  ...sessionOnly(),
});

export const confirmEmailVerification = defineOperation({
  method: "post",
  operationId: "confirmEmailVerification",
  path: "/api/auth/email-verification/confirm",
  ...publicRoute(),
  input: ["json"],
});

export const requestPasswordReset = defineOperation({
  method: "post",
  operationId: "requestPasswordReset",
  path: "/api/auth/password-reset",
  ...publicRoute(),
  input: ["json"],
});

export const confirmPasswordReset = defineOperation({
  method: "post",
  operationId: "confirmPasswordReset",
  path: "/api/auth/password-reset/confirm",
  ...publicRoute(),
  input: ["json"],
});

export const changePassword = defineOperation({
  method: "post",
  operationId: "changePassword",
  path: "/api/auth/password",
  ...sessionOnly(),
  input: ["json"],
});

export const listSessions = defineOperation({
  method: "get",
  operationId: "listSessions",
  path: "/api/auth/sessions",
  ...sessionOnly(),
  input: ["query"],
});

export const revokeSession = defineOperation({
  method: "delete",
  operationId: "revokeSession",
  path: "/api/auth/sessions/{id}",
  ...sessionOnly(),
  input: ["param"],
});
