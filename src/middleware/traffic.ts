import type { Context, Next } from "hono";
import type { AppBindings } from "../context";
import type { Principal } from "../services/auth/principal";
import { rateLimited, trafficLimitOf, withinTrafficLimit } from "../services/traffic/limits";
import { recordKeyUsage } from "../services/traffic/usage-buffer";

/**
 * Integration traffic around an authenticated request (docs/integration-traffic.md), run by the auth
 * middleware once the caller is known: the caller's limit is counted (the Rate Limiting binding — no
 * D1 or KV), a caller over it gets 429 `rate_limited` with `Retry-After`, every answer carries
 * `RateLimit-Policy`, and an API key's answer is counted into its usage once its status is known
 * (in memory; sent to the USAGE queue after the response).
 */
export async function meterTraffic(c: Context<AppBindings>, principal: Principal, next: Next): Promise<void> {
  const ctx = c.get("ctx");
  const limit = trafficLimitOf(principal);
  if (!(await withinTrafficLimit(ctx.env, limit))) {
    if (principal.kind === "api_key") recordKeyUsage(ctx, principal.keyId, 429);
    throw rateLimited(limit);
  }
  await next();
  try {
    c.res.headers.set("RateLimit-Policy", limit.policy); // our own responses: mutable, no copy
  } catch {
    c.header("RateLimit-Policy", limit.policy); // immutable headers: Hono copies the response
  }
  if (principal.kind === "api_key") recordKeyUsage(ctx, principal.keyId, c.res.status);
}
