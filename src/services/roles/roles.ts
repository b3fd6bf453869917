import { and, eq, notExists, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import type { OrgRole } from "../../domain/records";
import { apiKeys, invitations, members, organizations, roleMemberCounts, roles } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, forbidden, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { freshScope, requirePermission } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import {
  CHANGED_CONCURRENTLY,
  findInOrg,
  insertRowWhere,
  isUniqueViolation,
  untilApplied,
  updateInOrgIfUnchanged,
} from "../../db/tenant-rows";
import type { OrgScope } from "../auth/principal";
import {
  ADMIN_ROLE_KEY,
  permissionCatalog,
  roleKeyOf,
  SYSTEM_ROLES,
  systemRoleByKey,
  type PermissionCatalog,
} from "../../domain/permissions";
import { assertCanGrant } from "../permissions/escalation";
import { confusableSkeleton } from "../../lib/text";
import { previousStatementChanged } from "../events/recorder";
import { changedFields } from "../record-views";

/** Custom roles an organization may define (system roles come on top). */
export const MAX_ORG_ROLES = 100;

type RoleSource = "system" | "organization";

export interface RoleView {
  id: string;
  name: string;
  description: string;
  /** What the role grants: permissions of the catalog in force (built-in and platform), in catalog order. */
  permissions: string[];
  /**
   * Names the role still stores that the catalog no longer has (a platform permission removed from
   * PLATFORM_PERMISSIONS): they grant nothing; they grant again if the name is listed again.
   */
  unknownPermissions: string[];
  source: RoleSource;
  /** An org role named like a system role, replacing it inside the organization. */
  shadows: boolean;
  /** A system role replaced in this organization by an org role of the same name. */
  shadowed: boolean;
  memberCount: number;
}

/** The org's roles as the API shows them, ordered: system roles, then org roles oldest first. */
export async function listRoles({ ctx }: { ctx: RequestContext }) {
  const scope = requirePermission(ctx, "roles.read");
  const catalog = permissionCatalog(ctx.env);
  // Stored per-role member counts (migrations/0004 triggers): at most one row per role name.
  const counts = await ctx.db
    .select({ roleKey: roleMemberCounts.roleKey, n: roleMemberCounts.n })
    .from(roleMemberCounts)
    .where(eq(roleMemberCounts.organizationId, scope.organization.id));
  const countOf = new Map(counts.map((c) => [c.roleKey, c.n]));
  const own = [...scope.organization.roles].sort((a, b) => (a.id < b.id ? -1 : 1));
  const shadowedKeys = new Set(own.filter((r) => systemRoleByKey(r.nameKey)).map((r) => r.nameKey));
  const data: RoleView[] = [
    ...SYSTEM_ROLES.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      permissions: [...catalog.systemPermissions(r)],
      unknownPermissions: [],
      source: "system" as const,
      shadows: false,
      shadowed: shadowedKeys.has(r.key),
      memberCount: shadowedKeys.has(r.key) ? 0 : (countOf.get(r.key) ?? 0),
    })),
    ...own.map((r) => orgRoleView(r, countOf.get(r.nameKey) ?? 0, catalog)),
  ];
  return { data, nextCursor: null };
}

function orgRoleView(role: OrgRole, memberCount: number, catalog: PermissionCatalog): RoleView {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    permissions: grantedPermissions(role.permissions, catalog),
    unknownPermissions: role.permissions.filter((p) => !catalog.has(p)),
    source: "organization",
    shadows: systemRoleByKey(role.nameKey) !== undefined,
    shadowed: false,
    memberCount,
  };
}

/** The names of `list` the catalog has, in catalog order: what a stored list grants. */
const grantedPermissions = (list: readonly string[], catalog: PermissionCatalog) => catalog.all.filter((p) => list.includes(p));

/** Unknown permission names (neither built-in nor in PLATFORM_PERMISSIONS) are a 400 that lists them. */
function parsePermissions(list: string[], catalog: PermissionCatalog): string[] {
  const unknown = list.filter((p) => !catalog.has(p));
  if (unknown.length > 0) {
    throw new ApiError("validation_failed", `Unknown permission(s): ${unknown.join(", ")}.`, {
      errors: unknown.map((p) => ({ path: "permissions", message: `Unknown permission: ${p}` })),
    });
  }
  return grantedPermissions(list, catalog);
}

/**
 * Names are compared as a person reads them (their confusable skeleton): "Аdmin" with a Cyrillic А,
 * or fullwidth "Ａdmin", is Admin; a look-alike of another system role that is not its exact name
 * (so not a shadow) is refused too.
 */
function assertNameAllowed(name: string) {
  const skeleton = confusableSkeleton(name);
  if (skeleton === confusableSkeleton(ADMIN_ROLE_KEY)) {
    throw new ApiError("role_name_reserved", "Admin cannot be shadowed or reused: the Admin gates and the last-admin guard rely on it.");
  }
  const lookAlike = SYSTEM_ROLES.find((r) => confusableSkeleton(r.key) === skeleton && r.key !== roleKeyOf(name));
  if (lookAlike) {
    throw new ApiError(
      "role_name_reserved",
      `"${name}" looks like the system role ${lookAlike.name}: name a shadow exactly "${lookAlike.name}", or choose another name.`,
    );
  }
}

/** Another role of the organization that reads the same (same name, or same skeleton). */
const sameNameAs = (organizationRoles: readonly OrgRole[], name: string, exceptId?: string) => {
  const skeleton = confusableSkeleton(name);
  return organizationRoles.some((r) => r.id !== exceptId && (r.nameKey === roleKeyOf(name) || confusableSkeleton(r.name) === skeleton));
};

function findOrgRole(scope: OrgScope, roleId: string): OrgRole {
  if (SYSTEM_ROLES.some((r) => r.id === roleId))
    throw forbidden("System roles are read-only. Create an org role of the same name to shadow one.");
  const role = scope.organization.roles.find((r) => r.id === roleId);
  if (!role) throw notFound("Role");
  return role;
}

const roleLimit = () => new ApiError("conflict", `An organization can define at most ${MAX_ORG_ROLES} roles.`);

const nameTaken = () => new ApiError("role_name_taken", "This organization already has a role with that name.");

export interface RoleInput {
  name: string;
  description?: string;
  permissions: string[];
}

export async function createRole({ ctx, input }: { ctx: RequestContext; input: RoleInput }) {
  const scope = await freshScope(ctx, requirePermission(ctx, "roles.create"));
  const nameKey = roleKeyOf(input.name);
  assertNameAllowed(input.name);
  const catalog = permissionCatalog(ctx.env);
  const permissions = parsePermissions(input.permissions, catalog);
  assertCanGrant(scope, permissions);
  if (sameNameAs(scope.organization.roles, input.name)) throw nameTaken();
  // A quick answer from the read; the INSERT below is what holds the limit under concurrent creates.
  if (scope.organization.roles.length >= MAX_ORG_ROLES) throw roleLimit();
  const now = new Date();
  const row = {
    id: newId("role"),
    organizationId: scope.organization.id,
    name: input.name,
    nameKey,
    nameSkeleton: confusableSkeleton(input.name),
    description: input.description ?? "",
    permissions,
    createdAt: now,
    updatedAt: now,
  };
  // A shadow is created already held by the system role's holders.
  const view = orgRoleView(row, await countHolders(ctx, scope.organization.id, nameKey), catalog);
  // Written only under the cap and while the caller still stands where its checks were made.
  const standing = callerStanding(ctx, scope);
  const underCap = sql`(SELECT count(*) FROM ${roles} WHERE ${roles.organizationId} = ${scope.organization.id}) < ${MAX_ORG_ROLES}`;
  let inserted: { id: string }[];
  try {
    [inserted] = await ctx.db.batch([
      insertRowWhere(
        ctx.db,
        roles,
        row,
        organizations,
        and(eq(organizations.id, scope.organization.id), underCap, standing.holds)!,
      ).returning({ id: roles.id }),
      ctx.events.record("role.created", view, null, { when: previousStatementChanged }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
  if (inserted.length === 0) {
    await assertCallerStands(ctx, scope, standing);
    throw roleLimit(); // the caller stands, so its organization exists: the cap refused it
  }
  await authCache.invalidateOrganization(ctx, scope.organization.id);
  return view;
}

async function countHolders(ctx: RequestContext, organizationId: string, roleKey: string): Promise<number> {
  const row = await ctx.db
    .select({ n: roleMemberCounts.n })
    .from(roleMemberCounts)
    .where(and(eq(roleMemberCounts.organizationId, organizationId), eq(roleMemberCounts.roleKey, roleKey)))
    .get();
  return row?.n ?? 0;
}

/**
 * Edits an org role. Read, checks and write are retried together (`untilApplied`) when the role
 * changed between them: the UPDATE is guarded on the role still being the one read, so the checks
 * (what the editor may grant, reserved names) held for what is overwritten, and the event is
 * exactly the change applied. A rename moves every holder with it in the same batch, and only if
 * the role now has the new name: a rename that lost a race never strands holders on a key that
 * no role has.
 */
export function updateRole({ ctx, input }: { ctx: RequestContext; input: { id: string } & Partial<RoleInput> }) {
  return untilApplied(async () => {
    const scope = await freshScope(ctx, requirePermission(ctx, "roles.update"));
    const role = findOrgRole(scope, input.id);
    // Editing a role changes what its holders can do: the editor must hold all it grants, before and after.
    const catalog = permissionCatalog(ctx.env);
    assertCanGrant(scope, grantedPermissions(role.permissions, catalog));
    const permissions = input.permissions ? parsePermissions(input.permissions, catalog) : undefined;
    if (permissions) assertCanGrant(scope, permissions);

    const newKey = input.name !== undefined ? roleKeyOf(input.name) : role.nameKey;
    if (input.name !== undefined && confusableSkeleton(input.name) !== confusableSkeleton(role.name)) assertNameAllowed(input.name);
    if (newKey !== role.nameKey) {
      if (systemRoleByKey(newKey)) {
        throw new ApiError(
          "role_name_reserved",
          `"${input.name}" is a system role name: create a new role with it to shadow the system role.`,
        );
      }
      if (systemRoleByKey(role.nameKey)) {
        throw new ApiError("role_name_reserved", "A shadow keeps its system role's name: delete it to restore the system role instead.");
      }
    }
    if (input.name !== undefined && sameNameAs(scope.organization.roles, input.name, role.id)) throw nameTaken();

    const organizationId = scope.organization.id;
    const now = new Date();
    const changes = {
      ...(input.name !== undefined ? { name: input.name, nameKey: newKey, nameSkeleton: confusableSkeleton(input.name) } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(permissions ? { permissions } : {}),
      updatedAt: now,
    };
    const updated: OrgRole = { ...role, ...changes, permissions: permissions ?? role.permissions };
    // Holders move with a rename, so the count is the current holders'.
    const view = orgRoleView(updated, await countHolders(ctx, organizationId, role.nameKey), catalog);
    const before = orgRoleView(role, view.memberCount, catalog);
    const previous = changedFields(
      { name: before.name, description: before.description, permissions: before.permissions },
      {
        name: view.name,
        description: view.description,
        permissions: view.permissions,
      },
    );
    const renamed = newKey !== role.nameKey;
    // The holders of the old name move only if the role now bears the new one (this batch's rename applied).
    const roleRenamed = sql`EXISTS (SELECT 1 FROM ${roles} WHERE ${roles.id} = ${role.id} AND ${roles.nameKey} = ${newKey})`;
    // The edit also waits on the caller still standing where its checks were made (and so do the
    // holders' moves, which follow the edit).
    const standing = callerStanding(ctx, scope);
    let result;
    try {
      result = await ctx.db.batch([
        updateInOrgIfUnchanged(
          ctx,
          roles,
          role.id,
          organizationId,
          changes,
          [
            [roles.nameKey, role.nameKey],
            [roles.name, role.name],
            [roles.description, role.description],
            [roles.permissions, role.permissions],
          ],
          standing.holds,
        ),
        ctx.events.record("role.updated", view, previous, { when: previousStatementChanged }),
        ...(renamed
          ? ([
              ctx.db
                .update(members)
                .set({ roleKey: newKey })
                .where(and(eq(members.organizationId, organizationId), eq(members.roleKey, role.nameKey), roleRenamed)),
              ctx.db
                .update(apiKeys)
                .set({ roleKey: newKey })
                .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.roleKey, role.nameKey), roleRenamed)),
              ctx.db
                .update(invitations)
                .set({ roleKey: newKey })
                .where(and(eq(invitations.organizationId, organizationId), eq(invitations.roleKey, role.nameKey), roleRenamed)),
            ] as const)
          : []),
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
    if (result[0].length === 0) {
      await assertCallerStands(ctx, scope, standing);
      return CHANGED_CONCURRENTLY;
    }
    await authCache.invalidateOrganization(ctx, organizationId);
    if (renamed) await invalidateHolders(ctx, organizationId, newKey);
    return view;
  });
}

/**
 * Memberships and API key credentials cache the role *name*: after a rename, drop every holder's
 * cached entry so the next request reads the new name (one batch to find them).
 */
async function invalidateHolders(ctx: RequestContext, organizationId: string, roleKey: string) {
  const [holders, keys] = await ctx.db.batch([
    ctx.db
      .select({ userId: members.userId })
      .from(members)
      .where(and(eq(members.organizationId, organizationId), eq(members.roleKey, roleKey))),
    ctx.db
      .select({ keyHash: apiKeys.keyHash })
      .from(apiKeys)
      .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.roleKey, roleKey))),
  ]);
  await Promise.all([
    ...holders.map((h) => authCache.invalidateMembership(ctx, organizationId, h.userId)),
    ...keys.map((k) => authCache.invalidateCredential(ctx, k.keyHash)),
  ]);
}

export async function deleteRole({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = await freshScope(ctx, requirePermission(ctx, "roles.delete"));
  const role = findOrgRole(scope, input.id);
  const catalog = permissionCatalog(ctx.env);
  assertCanGrant(scope, grantedPermissions(role.permissions, catalog));
  const organizationId = scope.organization.id;
  const isShadow = systemRoleByKey(role.nameKey) !== undefined;

  // A custom role still held by anyone cannot go; the check is part of the DELETE itself.
  const [[deleted]] = await ctx.db.batch([
    ctx.db
      .delete(roles)
      .where(
        and(
          eq(roles.id, role.id),
          eq(roles.organizationId, organizationId),
          isShadow
            ? undefined
            : and(
                notExists(
                  ctx.db
                    .select({ one: sql`1` })
                    .from(members)
                    .where(and(eq(members.organizationId, organizationId), eq(members.roleKey, role.nameKey))),
                ),
                notExists(
                  ctx.db
                    .select({ one: sql`1` })
                    .from(apiKeys)
                    .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.roleKey, role.nameKey))),
                ),
                notExists(
                  ctx.db
                    .select({ one: sql`1` })
                    .from(invitations)
                    .where(
                      and(
                        eq(invitations.organizationId, organizationId),
                        eq(invitations.roleKey, role.nameKey),
                        eq(invitations.status, "pending"),
                      ),
                    ),
                ),
              ),
        ),
      )
      .returning({ id: roles.id }),
    ctx.events.record("role.deleted", orgRoleView(role, 0, catalog), null, { when: previousStatementChanged }),
  ]);
  if (!deleted) {
    await findInOrg(ctx, roles, role.id, organizationId, "Role"); // deleted meanwhile: a 404
    throw new ApiError("role_in_use", "Members, API keys or pending invitations still hold this role. Give them another role first.");
  }
  // Holders of a deleted shadow fall back to the system role at once.
  await authCache.invalidateOrganization(ctx, organizationId);
}
