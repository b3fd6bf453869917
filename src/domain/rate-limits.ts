/**
 * Integration traffic limits (docs/integration-traffic.md): an API key's tier, and what each tier
 * and a user's sessions may send per window. The numbers are the ones the Rate Limiting bindings in
 * wrangler.toml are configured with (one binding per tier: a binding's limit is fixed in its config).
 */
export const RATE_LIMIT_TIERS = ["low", "standard", "high"] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];

export const DEFAULT_RATE_LIMIT_TIER: RateLimitTier = "standard";

/** The window every traffic limit counts over, in seconds (a binding's period is 10 or 60). */
export const TRAFFIC_WINDOW_SECONDS = 60;

/** Requests per window of each API-key tier. */
export const API_KEY_TIER_LIMITS: Record<RateLimitTier, number> = { low: 60, standard: 600, high: 6000 };

/** Requests per window of all of one user's sessions together. */
export const SESSION_LIMIT = 1200;

const TIER_SET: ReadonlySet<string> = new Set(RATE_LIMIT_TIERS);
/** A stored or cached tier, read defensively: anything unknown (a record cached before tiers existed) is the default. */
export const tierOf = (value: unknown): RateLimitTier =>
  typeof value === "string" && TIER_SET.has(value) ? (value as RateLimitTier) : DEFAULT_RATE_LIMIT_TIER;
