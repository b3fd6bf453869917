import { and, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, members, roles, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { forbidden, unauthenticated } from "../../lib/errors";
import { ADMIN_ROLE_KEY } from "../../domain/permissions";
import { UNRESOLVED_ROLE_ID } from "../permissions/resolve";
import { callerOf } from "./guards";
import type { OrgScope, Principal } from "./principal";

/**
 * The caller's standing, as SQL for the statement that writes. A permission check reads the
 * caller's scope from the auth cache, which may be up to its staleness bound old: a member removed
 * or demoted, a custom role stripped, a key revoked a moment ago elsewhere still passes it. For the
 * writes that mint credentials or grant roles, that window must not exist, so the writing statement
 * itself re-checks what the permission check rested on (as the role triggers re-check the target's
 * role), and writes nothing if it no longer holds.
 */
export interface CallerStanding {
  /** The credential still exists and has not expired (a session row, an API key row). */
  credential: SQL;
  /**
   * The caller still holds the role its check was made on — its membership (session) or its key's
   * role name, and, for an org role, still every permission it was read with (so a role stripped
   * meanwhile does not count; one that gained some still does); for a system role, no shadow
   * appeared meanwhile. For an arming write (`verifiedEmail`), a session's user is verified.
   */
  standing: SQL;
  /** Both: put it in the WHERE of the guarded INSERT…SELECT or UPDATE. */
  holds: SQL;
}

export const STANDING_CHANGED_DETAIL =
  "Your access in this organization changed while this request ran, so nothing was changed. Retry to act with the access you have now.";

// Aliases: these subqueries sit inside statements that write the same tables (a member's role
// change is an UPDATE of members; an API key's creation an INSERT into api_keys).
const callerMember = alias(members, "caller_member");
const callerKey = alias(apiKeys, "caller_key");
const callerRole = alias(roles, "caller_role");
const callerSession = alias(sessions, "caller_session");
const callerUser = alias(users, "caller_user");

const exists = (query: SQL) => sql`EXISTS (${query})`;
const notExists = (query: SQL) => sql`NOT EXISTS (${query})`;
// (An alias renders as its own name only: each FROM names the table, then the alias.)

/** The caller of this request, with the scope its permission check was made on. */
export function callerStanding(ctx: RequestContext, scope: OrgScope, options: { verifiedEmail?: boolean } = {}): CallerStanding {
  const principal = callerOf(ctx);
  const now = Date.now();
  const organizationId = scope.organization.id;
  let credential: SQL;
  let holder: SQL;
  if (principal.kind === "api_key") {
    credential = exists(
      sql`SELECT 1 FROM ${apiKeys} AS ${callerKey} WHERE ${and(
        eq(callerKey.id, principal.keyId),
        eq(callerKey.organizationId, organizationId),
        or(isNull(callerKey.expiresAt), gt(callerKey.expiresAt, new Date(now))),
      )}`,
    );
    holder = exists(
      sql`SELECT 1 FROM ${apiKeys} AS ${callerKey} WHERE ${and(eq(callerKey.id, principal.keyId), eq(callerKey.roleKey, scope.roleKey))}`,
    );
  } else {
    credential = exists(
      sql`SELECT 1 FROM ${sessions} AS ${callerSession} WHERE ${and(eq(callerSession.id, principal.sessionId), gt(callerSession.expiresAt, new Date(now)))}`,
    );
    holder = exists(
      sql`SELECT 1 FROM ${members} AS ${callerMember} WHERE ${and(
        eq(callerMember.organizationId, organizationId),
        eq(callerMember.userId, principal.user.id),
        eq(callerMember.roleKey, scope.roleKey),
      )}`,
    );
    // Only sessions: an API key belongs to the organization, not to a person with an address.
    if (options.verifiedEmail) {
      holder = and(
        holder,
        exists(
          sql`SELECT 1 FROM ${users} AS ${callerUser} WHERE ${and(eq(callerUser.id, principal.user.id), eq(callerUser.emailVerified, true))}`,
        ),
      )!;
    }
  }
  const standing = and(holder, roleStillGrants(scope))!;
  return { credential, standing, holds: and(credential, standing)! };
}

/** The role the scope resolved still resolves the same way, with at least the permissions it had. */
function roleStillGrants(scope: OrgScope): SQL {
  const { role, roleKey } = scope;
  const organizationId = scope.organization.id;
  if (role.id === UNRESOLVED_ROLE_ID) return sql`0`; // grants nothing: no check can have passed on it
  if (role.source === "organization") {
    const granted = JSON.stringify([...role.permissions]);
    return exists(
      sql`SELECT 1 FROM ${roles} AS ${callerRole} WHERE ${and(
        eq(callerRole.id, role.id),
        eq(callerRole.organizationId, organizationId),
        eq(callerRole.nameKey, roleKey),
        // Every permission the check saw is still in the stored list.
        notExists(
          sql`SELECT 1 FROM json_each(${granted}) AS was WHERE was.value NOT IN (SELECT value FROM json_each(${callerRole.permissions}))`,
        ),
      )}`,
    );
  }
  // A system role: Admin cannot be shadowed; another one resolves the same while no org role shadows it.
  if (roleKey === ADMIN_ROLE_KEY) return sql`1`;
  return notExists(
    sql`SELECT 1 FROM ${roles} AS ${callerRole} WHERE ${and(eq(callerRole.organizationId, organizationId), eq(callerRole.nameKey, roleKey))}`,
  );
}

/**
 * After a write guarded by `standing.holds` touched nothing: if the caller's standing is what
 * failed, drops the caller's stale cache entries (so its next request is answered as it stands
 * now) and throws — a 401 when the credential itself is gone or expired (what it gets from now on),
 * else 403 `forbidden` (STANDING_CHANGED_DETAIL). Returns when the standing still holds: another
 * guard of the write failed, and the caller answers for that one.
 */
export async function assertCallerStands(ctx: RequestContext, scope: OrgScope, standing: CallerStanding): Promise<void> {
  const row = await ctx.db
    .select({ credential: sql<number>`${standing.credential}`, standing: sql<number>`${standing.standing}` })
    .from(sql`(SELECT 1)`)
    .get();
  if (row && row.credential && row.standing) return;
  const principal = callerOf(ctx);
  await dropCachedStanding(ctx, principal, scope);
  if (!row?.credential) throw unauthenticated();
  throw forbidden(STANDING_CHANGED_DETAIL);
}

async function dropCachedStanding(ctx: RequestContext, principal: Principal, scope: OrgScope) {
  const organizationId = scope.organization.id;
  await Promise.all([
    authCache.invalidateOrganization(ctx, organizationId),
    // A key's role name lives in its credential entry; a session's in its membership entry.
    principal.kind === "api_key"
      ? authCache.invalidateCredential(ctx, principal.tokenHash)
      : authCache.invalidateMembership(ctx, organizationId, principal.user.id),
    ...(principal.kind === "session"
      ? [authCache.invalidateCredential(ctx, principal.tokenHash), authCache.invalidateUser(ctx, principal.user.id)]
      : []),
  ]);
}
