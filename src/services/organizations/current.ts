import { and, eq } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { organizations } from "../../db/schema";
import type { RequestContext } from "../../context";
import { notFound } from "../../lib/errors";
import { orgScopeOf, requireAdminRole } from "../auth/guards";
import { permissionMap } from "../permissions/resolve";
import { permissionCatalog, type Permission } from "../../domain/permissions";
import { changedFields, organizationView, roleRefView } from "../record-views";
import type { Actor } from "../../domain/event-types";
import { previousStatementChanged } from "../events/recorder";
import { CHANGED_CONCURRENTLY, unchangedSince, untilApplied } from "../../db/tenant-rows";
import { requireMfaChangeGuard } from "../mfa/policy";

/** The organization backing the session or API key. Served from the auth cache: no D1 read when warm. */
export function getCurrentOrganization({ ctx }: { ctx: RequestContext }) {
  return organizationView(orgScopeOf(ctx).organization);
}

export interface OrganizationPatch {
  name?: string;
  logo?: string | null;
  timezone?: string;
  requireMfa?: boolean;
}

/**
 * Updates the organization and records `organization.updated` (by `actor`, default the caller) in
 * the same batch. The update is guarded on the fields the view shows still being the ones read, so
 * the response and the event's `object` and `previous` are exactly the change applied, even next to
 * a concurrent PATCH that changed them (which makes this one read again: `untilApplied`).
 */
export function updateOrganizationById(ctx: RequestContext, organizationId: string, input: OrganizationPatch, actor?: Actor) {
  return untilApplied(async () => {
    const before = await ctx.db.select().from(organizations).where(eq(organizations.id, organizationId)).get();
    if (!before) throw notFound("Organization");
    // The MFA policy changes only by a session of a user with MFA, re-checked in the UPDATE.
    const mfaGuard =
      input.requireMfa !== undefined && input.requireMfa !== before.requireMfa
        ? await requireMfaChangeGuard(ctx, ctx.principal)
        : undefined;
    const now = new Date();
    const changes = { ...input, updatedAt: now };
    const view = organizationView({ ...before, ...changes, createdAt: before.createdAt.getTime(), updatedAt: now.getTime() });
    const [updated] = await ctx.db.batch([
      ctx.db
        .update(organizations)
        .set(changes)
        .where(
          and(
            eq(organizations.id, organizationId),
            unchangedSince([
              [organizations.name, before.name],
              [organizations.logo, before.logo],
              [organizations.timezone, before.timezone],
              [organizations.requireMfa, before.requireMfa],
            ]),
            mfaGuard,
          ),
        )
        .returning({ id: organizations.id }),
      ctx.events.record("organization.updated", view, changedFields(organizationView({ ...before, createdAt: 0, updatedAt: 0 }), input), {
        organizationId,
        actor,
        when: previousStatementChanged,
      }),
    ]);
    if (updated.length === 0) return CHANGED_CONCURRENTLY;
    await authCache.invalidateOrganization(ctx, organizationId);
    return view;
  });
}

/** Role: Admin. */
export async function updateCurrentOrganization({ ctx, input }: { ctx: RequestContext; input: OrganizationPatch }) {
  const scope = requireAdminRole(ctx);
  return updateOrganizationById(ctx, scope.organization.id, input);
}

/** The caller's role and the whole permission catalog as booleans, for client-side gating. */
export function getMyPermissions({ ctx }: { ctx: RequestContext }) {
  const { role } = orgScopeOf(ctx);
  // Every built-in key is always there; the platform's follow (the served document lists them).
  return {
    role: roleRefView(role),
    permissions: permissionMap(role.permissions, permissionCatalog(ctx.env)) as Record<Permission, boolean> & Record<string, boolean>,
  };
}
