import type { OrganizationRecord } from "../../domain/records";
import { permissionCatalog, type PermissionCatalog } from "../../domain/permissions";
import { resolveRole, type ResolvedRole, type RoleRef } from "./resolve";

/** Resolved roles memoised per cached organization snapshot (a new snapshot after any change) and catalog. */
const resolvedRoles = new WeakMap<OrganizationRecord, Map<PermissionCatalog, Map<string, ResolvedRole>>>();

/**
 * The role a holder's role key resolves to inside an organization (see resolveRole), under the
 * catalog in force (`permissionCatalog(ctx.env)`). Without a catalog: what a view shows (id, name, source).
 */
export function roleIn(organization: OrganizationRecord, roleKey: string): RoleRef;
export function roleIn(organization: OrganizationRecord, roleKey: string, catalog: PermissionCatalog): ResolvedRole;
export function roleIn(
  organization: OrganizationRecord,
  roleKey: string,
  catalog: PermissionCatalog = permissionCatalog({}),
): ResolvedRole {
  let byCatalog = resolvedRoles.get(organization);
  if (!byCatalog) resolvedRoles.set(organization, (byCatalog = new Map()));
  let byKey = byCatalog.get(catalog);
  if (!byKey) byCatalog.set(catalog, (byKey = new Map()));
  let role = byKey.get(roleKey);
  if (!role) byKey.set(roleKey, (role = resolveRole(roleKey, organization.roles, catalog)));
  return role;
}
