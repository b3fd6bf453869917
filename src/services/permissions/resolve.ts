import { createLogger } from "../../lib/log";
import { ADMIN_ROLE_KEY, PERMISSIONS, systemRoleByKey, type Permission } from "../../domain/permissions";

import type { OrgRole } from "../../domain/records";

// Resolution is pure (no request context); the rare "cannot happen" case still gets a log line.
const unresolvedLog = createLogger({ component: "permissions" });

/** The id a holder's role shows when its name resolves to no role at all (it grants nothing). */
export const UNRESOLVED_ROLE_ID = "role_unresolved";

export interface ResolvedRole {
  id: string;
  name: string;
  source: "system" | "organization";
  permissions: ReadonlySet<Permission>;
}

/**
 * Resolves a holder's role name to its permissions inside one organization.
 * Order: `admin` is always the system Admin (it cannot be shadowed); then an org role of that
 * name (a custom role, or a shadow of a system role); then the system role. A name that resolves to
 * nothing (cannot happen through the API: a trigger refuses every assignment of a missing role and
 * deletion of a held role is refused) fails closed: no permissions, the id `role_unresolved`, logged.
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
  unresolvedLog.warn("role_unresolved", { roleKey });
  return { id: UNRESOLVED_ROLE_ID, name: roleKey, source: "organization", permissions: new Set() };
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
