import { ADMIN_ROLE_KEY, PERMISSIONS, systemRoleByKey, type Permission } from "./catalog";

import type { OrgRole } from "../../domain/records";

export interface ResolvedRole {
  id: string;
  name: string;
  source: "system" | "organization";
  permissions: ReadonlySet<Permission>;
}

/**
 * Resolves a holder's role name to its permissions inside one organization.
 * Order: `admin` is always the system Admin (it cannot be shadowed); then an org role of that
 * name (a custom role, or a shadow of a system role); then the system role. A name that no longer
 * resolves (should not happen: deletion of held roles is refused) grants nothing.
 */
export function resolveRole(roleKey: string, orgRoles: readonly OrgRole[]): ResolvedRole {
  const system = systemRoleByKey(roleKey);
  if (roleKey !== ADMIN_ROLE_KEY) {
    const own = orgRoles.find((r) => r.nameKey === roleKey);
    if (own) {
      return {
        id: own.id,
        name: own.name,
        source: "organization",
        permissions: new Set(own.permissions.filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p))),
      };
    }
  }
  if (system) return { id: system.id, name: system.name, source: "system", permissions: new Set(system.permissions) };
  return { id: "", name: roleKey, source: "organization", permissions: new Set() };
}

/** The whole catalog as a boolean map, for client-side gating. */
export function permissionMap(granted: ReadonlySet<Permission>): Record<Permission, boolean> {
  return Object.fromEntries(PERMISSIONS.map((p) => [p, granted.has(p)])) as Record<Permission, boolean>;
}

/** True when `holder` has every permission of `required` (the no-escalation rule). */
export function covers(holder: ReadonlySet<Permission>, required: Iterable<Permission>): boolean {
  for (const p of required) if (!holder.has(p)) return false;
  return true;
}
