import { z } from "../../lib/zod";
import { authErrors, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { OrganizationSchema, RoleRefSchema, Timestamp } from "../schemas";
import { contract } from "../contract";
import * as operations from "./users.operations";

export const listMyOrganizations = contract(operations.listMyOrganizations, {
  tags: ["Users"],
  summary: "My organizations",
  description: "The organizations the session's user belongs to, with the user's role in each. Oldest membership first.",
  request: { query: PaginationQuery },
  responses: {
    200: jsonResponse(
      pageSchema(
        z
          .object({ organization: OrganizationSchema, role: RoleRefSchema, memberId: z.string(), joinedAt: Timestamp })
          .openapi("MyOrganization"),
        "MyOrganizationPage",
      ),
      "A page of memberships",
    ),
    ...authErrors(),
  },
});
