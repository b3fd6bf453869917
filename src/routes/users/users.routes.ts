import { createRoute, z } from "@hono/zod-openapi";
import { authErrors, jsonResponse, SECURITY_SESSION } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { OrganizationSchema, RoleRefSchema, Timestamp } from "../schemas";
import { requireAuth } from "../../middleware/auth";

export const listMyOrganizations = createRoute({
  method: "get",
  path: "/api/users/me/organizations",
  tags: ["Users"],
  summary: "My organizations",
  description: "The organizations the session's user belongs to, with the user's role in each. Oldest membership first.",
  security: SECURITY_SESSION,
  middleware: [requireAuth("session")],
  request: { query: PaginationQuery },
  responses: {
    200: jsonResponse(
      pageSchema(
        z.object({ organization: OrganizationSchema, role: RoleRefSchema, memberId: z.string(), joinedAt: Timestamp }).openapi("MyOrganization"),
        "MyOrganizationPage",
      ),
      "A page of memberships",
    ),
    ...authErrors(),
  },
});
