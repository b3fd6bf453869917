/**
 * The permission catalog. Later capabilities add here; every permission map lists all of them.
 */
export const PERMISSIONS = [
  "users.read",
  "users.update",
  "users.delete",
  "users.invite",
  "roles.read",
  "roles.create",
  "roles.update",
  "roles.delete",
  "api_keys.read",
  "api_keys.create",
  "api_keys.update",
  "api_keys.delete",
  "webhooks.read",
  "webhooks.create",
  "webhooks.update",
  "webhooks.delete",
  "audit_logs.read",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const PERMISSION_SET: ReadonlySet<string> = new Set(PERMISSIONS);
export const isPermission = (value: string): value is Permission => PERMISSION_SET.has(value);

export const ADMIN_ROLE_ID = "role_system_admin";

export interface SystemRole {
  id: string;
  name: string;
  key: string;
  description: string;
  permissions: readonly Permission[];
}

/** Global, read-only roles. `Admin` can never be shadowed: the Admin gates and the last-admin guard rely on it. */
export const SYSTEM_ROLES: readonly SystemRole[] = [
  {
    id: ADMIN_ROLE_ID,
    name: "Admin",
    key: "admin",
    description: "Every permission, and the organization's settings.",
    permissions: PERMISSIONS,
  },
  {
    id: "role_system_member",
    name: "Member",
    key: "member",
    description: "Reads members and roles.",
    permissions: ["users.read", "roles.read"],
  },
];

export const ADMIN_ROLE_KEY = "admin";

export const roleKeyOf = (name: string) => name.trim().toLowerCase();

export function systemRoleByKey(key: string): SystemRole | undefined {
  return SYSTEM_ROLES.find((r) => r.key === key);
}
