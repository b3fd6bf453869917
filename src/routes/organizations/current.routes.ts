import { z } from "../../lib/zod";
import { authErrors, jsonBody, jsonResponse } from "../../lib/openapi";
import { OrganizationPatchInput, OrganizationSchema, RoleRefSchema } from "../schemas";
import { PERMISSIONS, type Permission } from "../../domain/permissions";
import { contract } from "../contract";
import * as operations from "./current.operations";

const tags = ["Organizations"];

export const getCurrent = contract(operations.getCurrent, {
  tags,
  summary: "The current organization",
  description: "Returns the org backing the current session or API key.",
  responses: { 200: jsonResponse(OrganizationSchema, "The organization"), ...authErrors(404) },
});

export const updateCurrent = contract(operations.updateCurrent, {
  tags,
  summary: "Update the current organization",
  description:
    "Role: Admin (the caller's role resolves to the system `Admin`). Unknown fields are a 400. A concurrent change is applied first and this one on top of it; a 409 `conflict` only if the organization kept changing through several attempts.",
  request: { body: jsonBody(OrganizationPatchInput) },
  responses: { 200: jsonResponse(OrganizationSchema, "The updated organization"), ...authErrors(404, 409, 413, 415) },
});

export const PermissionsViewSchema = z
  .object({
    role: RoleRefSchema,
    // Every catalog permission is a required key (a record would make them all optional).
    permissions: z
      .object(Object.fromEntries(PERMISSIONS.map((p) => [p, z.boolean()])) as Record<Permission, z.ZodBoolean>)
      // The platform's permissions (PLATFORM_PERMISSIONS) are keys too: the served document lists them (routes/docs/docs.index.ts).
      .catchall(z.boolean())
      .openapi({ example: Object.fromEntries(PERMISSIONS.map((p) => [p, p.endsWith(".read")])) }),
  })
  .openapi("PermissionsView", {
    description:
      "Every permission of the catalog as a key — the built-in ones, then the platform's (PLATFORM_PERMISSIONS) — so a client can gate its UI.",
  });

export const getPermissions = contract(operations.getPermissions, {
  tags,
  summary: "My permissions",
  description: "The permission map for the caller's role (a user's membership role, or an API key's role).",
  responses: { 200: jsonResponse(PermissionsViewSchema, "Role and permission map"), ...authErrors(404) },
});
