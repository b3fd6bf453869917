import { defineOperation } from "../router";
import { sessionOnly } from "../auth-modes";

export const listMyOrganizations = defineOperation({
  method: "get",
  operationId: "listMyOrganizations",
  path: "/api/users/me/organizations",
  ...sessionOnly(),
  input: ["query"],
});
