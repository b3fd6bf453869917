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

// ── Platform permissions (docs/platform-authorization.md) ────────────────────────────────────────

/**
 * The catalog in force: the built-in permissions above, then the platform's own
 * (`PLATFORM_PERMISSIONS`, e.g. `tours.read,tours.write`) — the permissions of the platform's other
 * services, which this API's roles grant and its Authorizer answers for. One catalog per
 * PLATFORM_PERMISSIONS value, built on first use in the isolate (`permissionCatalog`).
 */
export interface PermissionCatalog {
  /** Every permission: the built-ins in their order, then the platform's in the order listed. */
  readonly all: readonly string[];
  /** The platform's own, as listed. */
  readonly platform: readonly string[];
  /** A permission of this catalog (a role may grant it; it means something). */
  has(name: string): boolean;
  /** What a system role grants here: Admin every permission; Member its built-ins and the platform `.read` ones. */
  systemPermissions(role: SystemRole): readonly string[];
}

/** `resource.action`, lower case: letters, digits and `_`, each part starting with a letter. */
export const PLATFORM_PERMISSION_PATTERN = /^[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_]{0,39}$/;

/** Resources the built-in permissions use: a platform permission may not use them (`users.export` would read as this API's). */
const BUILT_IN_RESOURCES: ReadonlySet<string> = new Set(PERMISSIONS.map((p) => p.split(".")[0]!));

/** A PLATFORM_PERMISSIONS value this Worker cannot run with: every use of the catalog fails (a 500) until it is fixed. */
export class PlatformPermissionsError extends Error {
  override name = "PlatformPermissionsError";
}

function buildCatalog(raw: string): PermissionCatalog {
  const platform = raw.trim() === "" ? [] : raw.split(",").map((item) => item.trim());
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of platform) {
    if (!PLATFORM_PERMISSION_PATTERN.test(name)) problems.push(`"${name}" is not a lower-case resource.action name`);
    else if (PERMISSION_SET.has(name)) problems.push(`"${name}" is a built-in permission`);
    else if (BUILT_IN_RESOURCES.has(name.split(".")[0]!)) problems.push(`"${name}" uses the built-in resource "${name.split(".")[0]}"`);
    else if (seen.has(name)) problems.push(`"${name}" is listed twice`);
    seen.add(name);
  }
  if (problems.length > 0) throw new PlatformPermissionsError(`PLATFORM_PERMISSIONS is invalid: ${problems.join("; ")}.`);
  const all: readonly string[] = Object.freeze([...PERMISSIONS, ...platform]);
  const known: ReadonlySet<string> = new Set(all);
  const memberReads = platform.filter((p) => p.endsWith(".read"));
  const bySystemRole = new Map<string, readonly string[]>(
    SYSTEM_ROLES.map((r) => [r.key, Object.freeze(r.key === ADMIN_ROLE_KEY ? all : [...r.permissions, ...memberReads])]),
  );
  return {
    all,
    platform: Object.freeze(platform),
    has: (name) => known.has(name),
    systemPermissions: (role) => bySystemRole.get(role.key) ?? role.permissions,
  };
}

const catalogs = new Map<string, PermissionCatalog | PlatformPermissionsError>();

/**
 * The catalog for this Worker's PLATFORM_PERMISSIONS (empty when unset), parsed once per isolate.
 * A malformed list, or one naming a built-in permission or resource, throws PlatformPermissionsError
 * on every use — so the first request that needs permissions is a logged 500, never a silently
 * shorter catalog.
 */
export function permissionCatalog(env: { PLATFORM_PERMISSIONS?: string }): PermissionCatalog {
  const raw = env.PLATFORM_PERMISSIONS ?? "";
  let catalog = catalogs.get(raw);
  if (!catalog) {
    try {
      catalog = buildCatalog(raw);
    } catch (error) {
      if (!(error instanceof PlatformPermissionsError)) throw error;
      catalog = error;
    }
    catalogs.set(raw, catalog);
  }
  if (catalog instanceof PlatformPermissionsError) throw catalog;
  return catalog;
}
