import { eq } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { organizations } from "../../db/schema";
import type { RequestContext } from "../../env";
import { notFound } from "../../lib/errors";
import { orgScopeOf, requireAdminRole } from "../auth/guards";
import { permissionMap } from "../permissions/resolve";
import { organizationView, roleRefView } from "../views";

/** The organization backing the session or API key. Served from the auth cache: no D1 read when warm. */
export function getCurrentOrganization({ ctx }: { ctx: RequestContext }) {
  return organizationView(orgScopeOf(ctx).organization);
}

export interface OrganizationPatch {
  name?: string;
  logo?: string | null;
  timezone?: string;
}

export async function updateOrganizationById(ctx: RequestContext, organizationId: string, input: OrganizationPatch) {
  const row = await ctx.db
    .update(organizations)
    .set({
      ...input,
      ...(input.name !== undefined ? { nameSearch: input.name.toLowerCase() } : {}),
      updatedAt: new Date(),
    })
    .where(eq(organizations.id, organizationId))
    .returning()
    .get();
  if (!row) throw notFound("Organization");
  await authCache.invalidateOrganization(ctx, organizationId);
  return organizationView({ ...row, createdAt: row.createdAt.getTime(), updatedAt: row.updatedAt.getTime() });
}

/** Role: Admin. */
export async function updateCurrentOrganization({ ctx, input }: { ctx: RequestContext; input: OrganizationPatch }) {
  const scope = requireAdminRole(ctx);
  return updateOrganizationById(ctx, scope.organization.id, input);
}

/** The caller's role and the whole permission catalog as booleans, for client-side gating. */
export function getMyPermissions({ ctx }: { ctx: RequestContext }) {
  const { role } = orgScopeOf(ctx);
  return { role: roleRefView(role), permissions: permissionMap(role.permissions) };
}
