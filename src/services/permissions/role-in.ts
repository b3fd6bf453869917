import type { OrganizationRecord } from "../../domain/records";
import { resolveRole, type ResolvedRole } from "./resolve";

/** Resolved roles memoised per cached organization snapshot (a new snapshot after any change). */
const resolvedRoles = new WeakMap<OrganizationRecord, Map<string, ResolvedRole>>();

/** The role a holder's role key resolves to inside an organization (see resolveRole). */
export function roleIn(organization: OrganizationRecord, roleKey: string): ResolvedRole {
  let byKey = resolvedRoles.get(organization);
  if (!byKey) resolvedRoles.set(organization, (byKey = new Map()));
  let role = byKey.get(roleKey);
  if (!role) byKey.set(roleKey, (role = resolveRole(roleKey, organization.roles)));
  return role;
}
