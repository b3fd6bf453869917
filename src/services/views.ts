import type { OrganizationRecord, UserRecord } from "../domain/records";
import type { ResolvedRole } from "./permissions/resolve";

/** The public shapes of our records: what every endpoint returns for them. */
export const iso = (ms: number | Date) => new Date(ms).toISOString();

export const organizationView = (org: Pick<OrganizationRecord, "id" | "name" | "logo" | "timezone" | "createdAt" | "updatedAt">) => ({
  id: org.id,
  name: org.name,
  logo: org.logo,
  timezone: org.timezone,
  createdAt: iso(org.createdAt),
  updatedAt: iso(org.updatedAt),
});

export const userView = (user: Pick<UserRecord, "id" | "email" | "name" | "emailVerified">) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  emailVerified: user.emailVerified,
});

export const roleRefView = (role: ResolvedRole) => ({ id: role.id, name: role.name, source: role.source });
