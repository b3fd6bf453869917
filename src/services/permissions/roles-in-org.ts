import type { OrganizationRecord } from "../../domain/records";
import { ApiError } from "../../lib/errors";
import { roleKeyOf, systemRoleByKey, type PermissionCatalog } from "../../domain/permissions";
import type { ResolvedRole } from "./resolve";
import { roleIn } from "./role-in";

/** The role a name refers to inside an organization (system, shadow or custom), or a 400; its permissions under `catalog`. */
export function findAssignableRole(
  organization: OrganizationRecord,
  name: string,
  catalog: PermissionCatalog,
  path = "role",
): { key: string; role: ResolvedRole } {
  const key = roleKeyOf(name);
  const exists = systemRoleByKey(key) !== undefined || organization.roles.some((r) => r.nameKey === key);
  if (!exists) throw unknownRole(name, path);
  return { key, role: roleIn(organization, key, catalog) };
}

/** The 400 for a role name that resolves to nothing (also when it was deleted while being assigned). */
export const unknownRole = (name: string, path = "role") =>
  new ApiError("validation_failed", `No role named "${name}" in this organization.`, { errors: [{ path, message: "Unknown role." }] });
