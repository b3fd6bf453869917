import { createLogger } from "../../lib/log";
import { ADMIN_ROLE_KEY, permissionCatalog, systemRoleByKey, type PermissionCatalog } from "../../domain/permissions";

import type { OrgRole } from "../../domain/records";

// Resolution is pure (no request context); the rare "cannot happen" case still gets a log line.
const unresolvedLog = createLogger({ component: "permissions" });

/** The id a holder's role shows when its name resolves to no role at all (it grants nothing). */
export const UNRESOLVED_ROLE_ID = "role_unresolved";

export interface ResolvedRole {
  id: string;
  name: string;
  source: "system" | "organization";
  /** Catalog permissions only (built-in and platform): a stored name the catalog no longer has grants nothing. */
  permissions: ReadonlySet<string>;
}

/** What a view shows of a role: no permissions (those need the catalog in force). */
export type RoleRef = Pick<ResolvedRole, "id" | "name" | "source">;

/** The built-ins alone: what views resolve with (their id, name and source do not depend on the catalog). */
const viewCatalog = () => permissionCatalog({});

/**
 * Resolves a holder's role name to its permissions inside one organization, under `catalog` (the
 * built-in and platform permissions in force: `permissionCatalog(ctx.env)`).
 * Order: `admin` is always the system Admin (it cannot be shadowed); then an org role of that
 * name (a custom role, or a shadow of a system role); then the system role. A name that resolves to
 * nothing (cannot happen through the API: a trigger refuses every assignment of a missing role and
 * deletion of a held role is refused) fails closed: no permissions, the id `role_unresolved`, logged.
 * Without a catalog it answers only what a view shows (id, name, source).
 */
export function resolveRole(roleKey: string, orgRoles: readonly OrgRole[]): RoleRef;
export function resolveRole(roleKey: string, orgRoles: readonly OrgRole[], catalog: PermissionCatalog): ResolvedRole;
export function resolveRole(roleKey: string, orgRoles: readonly OrgRole[], catalog: PermissionCatalog = viewCatalog()): ResolvedRole {
  const system = systemRoleByKey(roleKey);
  if (roleKey !== ADMIN_ROLE_KEY) {
    const own = orgRoles.find((r) => r.nameKey === roleKey);
    if (own) {
      return {
        id: own.id,
        name: own.name,
        source: "organization",
        permissions: new Set(own.permissions.filter((p) => catalog.has(p))),
      };
    }
  }
  if (system) return { id: system.id, name: system.name, source: "system", permissions: new Set(catalog.systemPermissions(system)) };
  unresolvedLog.warn("role_unresolved", { roleKey });
  return { id: UNRESOLVED_ROLE_ID, name: roleKey, source: "organization", permissions: new Set() };
}

/** The whole catalog (built-in and platform permissions) as a boolean map, for client-side gating. */
export function permissionMap(granted: ReadonlySet<string>, catalog: PermissionCatalog): Record<string, boolean> {
  return Object.fromEntries(catalog.all.map((p) => [p, granted.has(p)]));
}

/** True when `holder` has every permission of `required` (the no-escalation rule). */
export function covers(holder: ReadonlySet<string>, required: Iterable<string>): boolean {
  for (const p of required) if (!holder.has(p)) return false;
  return true;
}
