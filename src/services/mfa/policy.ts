import { eq, sql, type SQL } from "drizzle-orm";
import { users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError } from "../../lib/errors";
import type { OrgScope, Principal } from "../auth/principal";

/**
 * An organization's MFA policy (`requireMfa`, docs/lifecycle-and-mfa.md). Checked where every
 * org-scoped service gets its scope (guards.ts `orgScopeOf`), from the cached principal: the
 * organization's flag and the user's `mfaEnabled` are in the records the auth cache already holds,
 * so the warm path makes no extra D1 or KV call. Account routes (/api/users/me*, /api/auth/*) never
 * ask for an org scope, so a user held back by the policy can still enroll. API keys are not
 * affected: they belong to the organization, not to a person.
 */
export function assertMeetsMfaPolicy(principal: Principal, scope: OrgScope): void {
  if (principal.kind !== "session" || !scope.organization.requireMfa || principal.user.mfaEnabled) return;
  throw new ApiError(
    "mfa_required",
    `${scope.organization.name} requires two-factor sign-in. Turn it on for your account (POST /api/auth/mfa/totp), or switch to another organization.`,
  );
}

const mfaNotEnabled = () =>
  new ApiError(
    "mfa_not_enabled",
    "Changing the organization's MFA requirement takes a session of a user with MFA enabled: enroll first (POST /api/auth/mfa/totp).",
  );

/**
 * For a PATCH that changes `requireMfa`: only a session of a user with MFA may change it (an Admin
 * cannot lock out others with a policy they do not meet themselves; an API key has no second factor).
 * Read fresh from D1, and returned as SQL for the writing UPDATE so a disable racing it cannot slip by.
 */
export async function requireMfaChangeGuard(ctx: RequestContext, principal: Principal | undefined): Promise<SQL> {
  if (principal?.kind !== "session") throw mfaNotEnabled();
  const row = await ctx.primary.select({ mfaEnabled: users.mfaEnabled }).from(users).where(eq(users.id, principal.user.id)).get();
  if (!row?.mfaEnabled) throw mfaNotEnabled();
  return sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${principal.user.id} AND ${users.mfaEnabled} = 1)`;
}
