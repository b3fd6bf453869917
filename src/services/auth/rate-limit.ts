import { ApiError } from "../../lib/errors";

/** Workers rate-limit bindings count per key over their configured period (wrangler.toml). */
export async function enforceRateLimit(limiter: RateLimit, key: string, periodSeconds = 60): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ApiError("rate_limited", "Too many attempts. Try again later.", { headers: { "retry-after": String(periodSeconds) } });
  }
}
