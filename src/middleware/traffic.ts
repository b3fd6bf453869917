import type { Context, Next } from "hono";
import type { AppBindings } from "../context";
import type { Principal } from "../services/auth/principal";
import { trafficLimitOf } from "../services/traffic/limits";
import { recordKeyUsage } from "../services/traffic/usage-buffer";

/**
 * Integration traffic around an admitted request (docs/integration-traffic.md), run by the auth
 * middleware once the caller is known. The limit itself is an admission rule (services/auth/admit.ts:
 * the Authorizer RPC meets it too; a caller over it got 429 `rate_limited` with `Retry-After` there);
 * here every answer gets `RateLimit-Policy`, and an API key's answer is counted into its usage once
 * its status is known (in memory; sent to the USAGE queue after the response).
 */
export async function meterTraffic(c: Context<AppBindings>, principal: Principal, next: Next): Promise<void> {
  const ctx = c.get("ctx");
  const limit = trafficLimitOf(principal);
  await next();
  try {
    c.res.headers.set("RateLimit-Policy", limit.policy); // our own responses: mutable, no copy
  } catch {
    c.header("RateLimit-Policy", limit.policy); // immutable headers: Hono copies the response
  }
  if (principal.kind === "api_key") recordKeyUsage(ctx, principal.keyId, c.res.status);
}
