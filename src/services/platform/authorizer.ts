import { buildContext } from "../../context";
import type { Env } from "../../env";
import { ApiError, unauthenticated } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { permissionCatalog } from "../../domain/permissions";
import { admit, bearerToken } from "../auth/admit";
import { assertMeetsMfaPolicy } from "../mfa/policy";
import type { Principal } from "../auth/principal";

/** What a sibling Worker asks (API.md §10): the caller's `Authorization` header, and optionally a permission it needs. */
export interface AuthorizeInput {
  authorization?: string | null;
  permission?: string;
}

/**
 * The answer (API.md §10). `allowed` with 200, or a refusal with the status and problem `code` the
 * HTTP API would give the same caller: 401 `unauthenticated` for any bad credential; 403 `forbidden`
 * (permission not granted), `no_active_organization` (a session acting in no organization),
 * `unknown_permission` (a name the catalog does not have: fails closed); 429 `rate_limited` when an
 * admission rule limits the caller. Who the caller is comes with 200 and with 403.
 */
export interface AuthorizeResult {
  allowed: boolean;
  status: 200 | 401 | 403 | 429;
  code?: string;
  principal?: { type: "api_key" | "session"; id: string; userId?: string };
  organization?: { id: string; name: string };
  role?: { id: string; name: string };
  permissions?: string[];
}

/**
 * `Authorizer.authorize` (src/index.ts): the HTTP API's own admission (services/auth/admit.ts —
 * the tiered cache, expiry and revocation, and whatever admission rules it applies) for a request a
 * sibling Worker received. A warm call makes no D1 or KV call. Never throws for a refusal; a broken
 * configuration (a malformed PLATFORM_PERMISSIONS) or a storage outage does throw, to the caller.
 */
export async function authorize(env: Env, waitUntil: (promise: Promise<unknown>) => void, input: AuthorizeInput): Promise<AuthorizeResult> {
  const ctx = buildContext({ env, requestId: newId("req"), waitUntil });
  const catalog = permissionCatalog(env);
  let principal: Principal;
  try {
    const authorization = typeof input?.authorization === "string" ? input.authorization : null;
    principal = await admit(ctx, authorization === null ? null : bearerToken(authorization));
  } catch (error) {
    if (error instanceof ApiError) return refusal(error);
    throw error;
  }
  const who = principalOf(principal);
  const scope = principal.scope;
  if (!scope) return { allowed: false, status: 403, code: "no_active_organization", principal: who };
  // The organization's MFA requirement (services/mfa/policy.ts): HTTP meets it where org-scoped
  // services take their scope (guards.ts orgScopeOf); every RPC is org-scoped, so it is met here,
  // from the same cached records (no extra I/O). Account routes stay open only over HTTP.
  try {
    assertMeetsMfaPolicy(principal, scope);
  } catch (error) {
    if (error instanceof ApiError)
      return {
        allowed: false,
        status: 403,
        code: error.code,
        principal: who,
        organization: { id: scope.organization.id, name: scope.organization.name },
      };
    throw error;
  }
  const granted = catalog.all.filter((p) => scope.role.permissions.has(p));
  const known = {
    principal: who,
    organization: { id: scope.organization.id, name: scope.organization.name },
    role: { id: scope.role.id, name: scope.role.name },
    permissions: granted,
  };
  const permission = input?.permission;
  if (permission !== undefined) {
    if (typeof permission !== "string" || !catalog.has(permission)) {
      ctx.log.warn("authorize_unknown_permission", { permission: String(permission).slice(0, 100) });
      return { allowed: false, status: 403, code: "unknown_permission", ...known };
    }
    if (!scope.role.permissions.has(permission)) return { allowed: false, status: 403, code: "forbidden", ...known };
  }
  return { allowed: true, status: 200, ...known };
}

function refusal(error: ApiError): AuthorizeResult {
  const status = error.status === 403 || error.status === 429 ? error.status : 401;
  return { allowed: false, status, code: status === 401 ? unauthenticated().code : error.code };
}

const principalOf = (principal: Principal): NonNullable<AuthorizeResult["principal"]> =>
  principal.kind === "api_key"
    ? { type: "api_key", id: principal.keyId }
    : { type: "session", id: principal.sessionId, userId: principal.user.id };
