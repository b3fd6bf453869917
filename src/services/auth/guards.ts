import { eq } from "drizzle-orm";
import { users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { authCache } from "../../cache/auth-cache";
import { ApiError, forbidden, notFound, unauthenticated } from "../../lib/errors";
import { ADMIN_ROLE_ID, type Permission } from "../../domain/permissions";
import type { OrgScope, Principal } from "./principal";
import { assertMeetsMfaPolicy } from "../mfa/policy";

/** The authenticated caller; the route's auth middleware guarantees it. */
export function callerOf(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new Error("callerOf used on a route without requireAuth");
  return ctx.principal;
}

/** The caller as a user session; session-only routes guarantee it, so anything else is a 401. */
export function sessionCaller(ctx: RequestContext): Extract<Principal, { kind: "session" }> {
  const principal = callerOf(ctx);
  if (principal.kind !== "session") throw unauthenticated();
  return principal;
}

/**
 * The organization the caller acts in. A session whose active organization is gone, or that
 * lost its membership, gets a 404 on every org-scoped route until it switches; a session of a user
 * without MFA in an organization that requires it, a 403 `mfa_required` (services/mfa/policy.ts).
 */
export function orgScopeOf(ctx: RequestContext): OrgScope {
  const principal = callerOf(ctx);
  if (principal.scope) {
    assertMeetsMfaPolicy(principal, principal.scope);
    return principal.scope;
  }
  throw new ApiError(
    "no_active_organization",
    "The session has no active organization it still belongs to. Switch with PUT /api/auth/session/organization.",
  );
}

/** First line of every org-scoped service: the caller's role must grant `permission`. */
export function requirePermission(ctx: RequestContext, permission: Permission): OrgScope {
  const scope = orgScopeOf(ctx);
  if (!scope.role.permissions.has(permission)) throw forbidden(`This needs the ${permission} permission.`);
  return scope;
}

/**
 * The caller's scope with the organization (and its roles) read fresh from D1, for writes that
 * depend on which roles exist: the cached snapshot may be up to the staleness bound old.
 */
export async function freshScope(ctx: RequestContext, scope: OrgScope): Promise<OrgScope> {
  const organization = await authCache.organizationFromDb(ctx, scope.organization.id);
  if (!organization) throw notFound("Organization");
  return { ...scope, organization };
}

export const ARMING_NEEDS_VERIFIED_EMAIL_DETAIL =
  "Verify your email address first: creating API keys, webhook endpoints and invitations needs an address you have proved you own. Open the link we emailed you, or ask for a new one with POST /api/auth/email-verification.";

/**
 * "An unproven account arms nothing": a session whose user has not verified their address may not
 * create what acts or reaches beyond the organization (API keys, webhook endpoints, invitations; new
 * organizations later), or an account squatted with someone else's address would hold credentials
 * that outlive the owner's password reset. API keys pass: only verified users create them. The
 * cached user may predate a verification made elsewhere a moment ago, so an unverified answer is
 * read again from D1 before it is refused; the writing statement re-checks it (callerStanding's
 * `verifiedEmail`).
 */
export async function requireVerifiedEmailToArm(ctx: RequestContext): Promise<void> {
  const principal = callerOf(ctx);
  if (principal.kind !== "session" || principal.user.emailVerified) return;
  const row = await ctx.primary.select({ emailVerified: users.emailVerified }).from(users).where(eq(users.id, principal.user.id)).get();
  if (row?.emailVerified) {
    await authCache.invalidateUser(ctx, principal.user.id);
    return;
  }
  throw new ApiError("email_not_verified", ARMING_NEEDS_VERIFIED_EMAIL_DETAIL);
}

/** "Role: Admin" gates: the caller's role must resolve to the system Admin. */
export function requireAdminRole(ctx: RequestContext): OrgScope {
  const scope = orgScopeOf(ctx);
  // Admin can never be shadowed, so the system Admin's id is the whole test.
  if (scope.role.id !== ADMIN_ROLE_ID) {
    throw forbidden("This needs the Admin role.");
  }
  return scope;
}

/**
 * Platform staff only, and only with a session (never an API key). The flag is read fresh from D1,
 * not from the cached user: platform routes are rare, and `npm run superadmin -- --revoke` must take
 * effect on the very next request rather than after the cache's staleness bound.
 */
export async function requireSuperAdmin(ctx: RequestContext) {
  const principal = callerOf(ctx);
  if (principal.kind !== "session") throw forbidden("This needs a Super Admin session.");
  const row = await ctx.primary.select({ isSuperAdmin: users.isSuperAdmin }).from(users).where(eq(users.id, principal.user.id)).get();
  if (!row?.isSuperAdmin) throw forbidden("This needs a Super Admin session.");
  return principal;
}
