import { z } from "../../lib/zod";
import { IdempotencyKeyHeaders } from "../idempotency";
import { authErrors, emptyResponse, IDEMPOTENT_REPLAY_HEADERS, jsonBody, jsonResponse } from "../../lib/openapi";
import { cleanText, IdParam } from "../schemas";
import { contract } from "../contract";
import * as operations from "./roles.operations";

const tags = ["Roles"];

export const RoleSchema = z
  .object({
    id: z.string().openapi({ example: "role_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    name: z.string().openapi({ example: "Guide" }),
    description: z.string(),
    permissions: z.array(z.string()).openapi({
      items: { $ref: "#/components/schemas/Permission" },
      description: "What the role grants: built-in and platform permissions, in catalog order.",
    }),
    unknownPermissions: z.array(z.string()).openapi({
      description:
        "Names the role still stores that the catalog no longer has (a platform permission removed from PLATFORM_PERMISSIONS): they grant nothing, and grant again if listed again. Empty for system roles.",
    }),
    source: z.enum(["system", "organization"]),
    shadows: z.boolean().openapi({ description: "An org role named like a system role: it replaces that role in this organization." }),
    shadowed: z.boolean().openapi({ description: "A system role replaced in this organization by an org role of the same name." }),
    memberCount: z.number().int(),
  })
  .openapi("Role");

const RoleName = cleanText(1, 50).openapi({ example: "Guide" });
const Description = cleanText(0, 500).openapi({ example: "Leads tours; reads the team list." });
/**
 * Names are checked by the service so that unknown ones come back listed in one 400; the document
 * shows what is valid: an array of the `Permission` enum.
 */
const Permissions = z
  .array(z.string().max(100))
  .max(50)
  .openapi({ items: { $ref: "#/components/schemas/Permission" }, example: ["users.read", "roles.read"] });
const RoleIdParams = z.strictObject({ id: IdParam("role") });

export const listRoles = contract(operations.listRoles, {
  tags,
  summary: "List roles",
  description:
    "Permissions: roles.read. System roles first, then the organization's own (at most 100), in one page (`nextCursor` is always null). An org role named like a system role shadows it: `shadows` on the org role, `shadowed` on the system role.",
  responses: {
    200: jsonResponse(z.object({ data: z.array(RoleSchema), nextCursor: z.null() }).openapi("RoleList"), "Every role of the organization"),
    ...authErrors(404),
  },
});

export const createRole = contract(operations.createRole, {
  tags,
  summary: "Create a role",
  description:
    "Permissions: roles.create. Names are unique per organization, case-insensitively (409 `role_name_taken`). Naming it `Member` shadows the system Member role; `Admin` cannot be shadowed (409 `role_name_reserved`). The caller must hold every permission it grants (403). Unknown permissions are a 400 listing them.",
  request: {
    headers: IdempotencyKeyHeaders,
    body: jsonBody(
      z.strictObject({ name: RoleName, description: Description.optional(), permissions: Permissions }).openapi("RoleCreateInput"),
    ),
  },
  responses: { 201: jsonResponse(RoleSchema, "Created", ...IDEMPOTENT_REPLAY_HEADERS), ...authErrors(404, 409, 413, 415, 422) },
});

export const updateRole = contract(operations.updateRole, {
  tags,
  summary: "Update a role",
  description:
    "Permissions: roles.update. System roles are read-only (403). The caller must hold every permission the role grants, before and after. A custom role cannot be renamed to a system role's name, nor a shadow away from it (409 `role_name_reserved`). Renaming moves every holder with the role. A concurrent edit is applied first and this one re-checked and applied on top of it (409 `conflict` only if the role kept changing through several attempts).",
  request: {
    params: RoleIdParams,
    body: jsonBody(
      z
        .strictObject({ name: RoleName.optional(), description: Description.optional(), permissions: Permissions.optional() })
        .openapi("RoleUpdateInput"),
    ),
  },
  responses: { 200: jsonResponse(RoleSchema, "The updated role"), ...authErrors(404, 409, 413, 415) },
});

export const deleteRole = contract(operations.deleteRole, {
  tags,
  summary: "Delete a role",
  description:
    "Permissions: roles.delete. A custom role still held by a member, an API key or a pending invitation is a 409 `role_in_use`. Deleting a shadow makes its holders fall back to the system role at once.",
  request: { params: RoleIdParams },
  responses: { 204: emptyResponse("Deleted"), ...authErrors(404, 409) },
});
