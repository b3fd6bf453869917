import type { Env } from "../../env";
import { ApiError } from "../../lib/errors";
import { API_KEY_TIER_LIMITS, SESSION_LIMIT, TRAFFIC_WINDOW_SECONDS, type RateLimitTier } from "../../domain/rate-limits";
import type { Principal } from "../auth/principal";

/**
 * The traffic limit of an authenticated caller (docs/integration-traffic.md): an API key counts
 * against its tier's binding under its own id, a session against the sessions binding under its
 * user's id (so one person's tabs and scripts share one allowance).
 */
export interface TrafficLimit {
  binding: keyof Pick<Env, "RATE_LIMIT_KEY_LOW" | "RATE_LIMIT_KEY_STANDARD" | "RATE_LIMIT_KEY_HIGH" | "RATE_LIMIT_SESSIONS">;
  key: string;
  /** The `RateLimit-Policy` field value (draft-ietf-httpapi-ratelimit-headers): `"key";q=600;w=60`. */
  policy: string;
}

const TIER_BINDINGS: Record<RateLimitTier, TrafficLimit["binding"]> = {
  low: "RATE_LIMIT_KEY_LOW",
  standard: "RATE_LIMIT_KEY_STANDARD",
  high: "RATE_LIMIT_KEY_HIGH",
};

export const policyOf = (name: "key" | "user", quota: number) => `"${name}";q=${quota};w=${TRAFFIC_WINDOW_SECONDS}`;

export function trafficLimitOf(principal: Principal): TrafficLimit {
  if (principal.kind === "api_key") {
    return {
      binding: TIER_BINDINGS[principal.rateLimit],
      key: principal.keyId,
      policy: policyOf("key", API_KEY_TIER_LIMITS[principal.rateLimit]),
    };
  }
  return { binding: "RATE_LIMIT_SESSIONS", key: principal.user.id, policy: policyOf("user", SESSION_LIMIT) };
}

/**
 * Whether the limits are off: only in development, and only when TRAFFIC_LIMITS=off (the benchmark's
 * baseline). A deployed Worker always counts.
 */
const limitsOff = (env: Env) => env.ENVIRONMENT === "development" && env.TRAFFIC_LIMITS === "off";

/**
 * Counts this request against the caller's limit: true when it may go on. The Rate Limiting binding
 * is neither D1 nor KV: the warm path stays at 0 of both. The binding counts per Cloudflare location
 * and is eventually consistent, so a limit is approximate (docs/integration-traffic.md).
 */
export async function withinTrafficLimit(env: Env, limit: TrafficLimit): Promise<boolean> {
  if (limitsOff(env)) return true;
  const { success } = await env[limit.binding].limit({ key: limit.key });
  return success;
}

/**
 * The 429. The binding does not say when its window ends, so `Retry-After` is the whole window: a
 * client that waits it is sure to be counted afresh.
 */
export function rateLimited(limit: TrafficLimit): ApiError {
  const who = limit.binding === "RATE_LIMIT_SESSIONS" ? "this user's sessions" : "this API key";
  return new ApiError("rate_limited", `Too many requests for ${who} (${limit.policy}). Retry after ${TRAFFIC_WINDOW_SECONDS} seconds.`, {
    headers: { "retry-after": String(TRAFFIC_WINDOW_SECONDS), "ratelimit-policy": limit.policy },
  });
}
