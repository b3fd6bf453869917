import type { OrganizationRecord, UserRecord } from "../domain/records";
import type { RoleRef } from "./permissions/resolve";
import { roleIn } from "./permissions/role-in";

/** The public shapes of our records: what every endpoint returns for them. */
export const isoTime = (ms: number | Date) => new Date(ms).toISOString();

export const organizationView = (
  org: Pick<OrganizationRecord, "id" | "name" | "logo" | "timezone" | "createdAt" | "updatedAt" | "requireMfa">,
) => ({
  id: org.id,
  name: org.name,
  logo: org.logo,
  timezone: org.timezone,
  requireMfa: org.requireMfa ?? false,
  createdAt: isoTime(org.createdAt),
  updatedAt: isoTime(org.updatedAt),
});

export const userView = (user: Pick<UserRecord, "id" | "email" | "name" | "emailVerified" | "mfaEnabled">) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  emailVerified: user.emailVerified,
  mfaEnabled: user.mfaEnabled ?? false,
});

export const roleRefView = (role: RoleRef) => ({ id: role.id, name: role.name, source: role.source });

/** A membership as every endpoint (and every member.* event) shows it. */
export const memberViewIn = (
  organization: OrganizationRecord,
  row: { id: string; roleKey: string; joinedAt: Date; userId: string; email: string; name: string; emailVerified: boolean },
) => ({
  id: row.id,
  user: { id: row.userId, email: row.email, name: row.name, emailVerified: row.emailVerified },
  role: roleRefView(roleIn(organization, row.roleKey)),
  joinedAt: isoTime(row.joinedAt),
});

/** The patched fields whose value changes, with their old values (an event's `previous`). */
export function changedFields<T extends Record<string, unknown>>(before: T, patch: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch)
      .filter(([key, value]) => value !== undefined && JSON.stringify(before[key]) !== JSON.stringify(value))
      .map(([key]) => [key, before[key]]),
  ) as Partial<T>;
}
