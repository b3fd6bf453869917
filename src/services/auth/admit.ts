import type { RequestContext } from "../../context";
import { unauthenticated } from "../../lib/errors";
import { rateLimited, trafficLimitOf, withinTrafficLimit } from "../traffic/limits";
import { recordKeyUsage } from "../traffic/usage-buffer";
import { authenticate } from "./authenticate";
import type { Principal } from "./principal";

/**
 * The token an `Authorization` header carries (`Bearer <token>`, the scheme case-insensitive), or
 * null for any other shape. Shared by HTTP (middleware/auth.ts) and the Authorizer RPC.
 */
export function bearerToken(authorization: string): string | null {
  return /^Bearer ([^\s]+)$/i.exec(authorization.trim())?.[1] ?? null;
}

/**
 * The one path from a presented credential to an admitted caller, for every way in: the HTTP
 * middleware (`requireAuth`, `optionalAuth`) and the Authorizer entrypoint sibling Workers call
 * (services/platform/authorizer.ts). Credential shape → tiered cache (in-isolate → KV → D1) →
 * expiry and revocation → the caller's standing in its organization (`authenticate`), then the
 * admission rules every caller meets wherever it comes in: rules such as rate limits belong HERE,
 * so HTTP and the RPC cannot drift apart. An organization's MFA requirement is the one rule that
 * depends on the route (account routes stay open so a user can enroll): it is met wherever an
 * organization scope is taken, guards.ts `orgScopeOf` for HTTP and the Authorizer, which is
 * org-scoped throughout (services/mfa/policy.ts).
 *
 * `token` is what the caller presented (null: it sent something that is no credential). Throws an
 * ApiError (401 for any bad credential, the same one every time; 403/429 from an admission rule).
 */
export async function admit(ctx: RequestContext, token: string | null): Promise<Principal> {
  if (!token) throw unauthenticated();
  const principal = await authenticate(ctx, token);
  if (!principal) throw unauthenticated();
  // Admission rules go here (each one: throw its ApiError), before the caller is set.
  // The caller's traffic limit (docs/integration-traffic.md): the Rate Limiting binding, no D1 or KV.
  const limit = trafficLimitOf(principal);
  if (!(await withinTrafficLimit(ctx.env, limit))) {
    if (principal.kind === "api_key") recordKeyUsage(ctx, principal.keyId, 429);
    throw rateLimited(limit);
  }
  return principal;
}
