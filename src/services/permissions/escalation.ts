import { forbidden } from "../../lib/errors";
import type { OrgScope } from "../auth/principal";
import { covers, type ResolvedRole } from "./resolve";

/**
 * The one no-escalation rule, used by every path that grants a role (role create/update,
 * member role change, invitations, API keys): the caller must hold every permission it grants.
 */
export function assertCanGrant(caller: OrgScope, permissions: Iterable<string>): void {
  const missing = [...permissions].filter((p) => !caller.role.permissions.has(p));
  if (missing.length > 0) {
    throw forbidden(`You cannot grant permissions you do not hold: ${missing.sort().join(", ")}.`);
  }
}

/** Nobody may change, or remove, a member whose permissions exceed their own. */
export function assertOutranksOrEquals(caller: OrgScope, target: ResolvedRole): void {
  if (!covers(caller.role.permissions, target.permissions)) {
    throw forbidden("You cannot change a member whose permissions exceed your own.");
  }
}
