import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { RequestContext } from "../../context";
import { apiKeys, apiKeyUsage } from "../../db/schema";
import { ApiError, notFound } from "../../lib/errors";
import { isId } from "../../lib/ids";
import { requirePermission } from "../auth/guards";
import { isoTime } from "../record-views";
import { USAGE_RETENTION_DAYS } from "./usage-ingest";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Each granularity's bucket, the range it shows by default, and the widest range one request may ask for. */
export const USAGE_RANGES = {
  hour: { bucketMs: HOUR_MS, defaultMs: 24 * HOUR_MS, maxMs: 7 * DAY_MS },
  day: { bucketMs: DAY_MS, defaultMs: 30 * DAY_MS, maxMs: USAGE_RETENTION_DAYS * DAY_MS },
} as const;

export type UsageGranularity = keyof typeof USAGE_RANGES;

const rangeError = (message: string, path: string) =>
  new ApiError("validation_failed", `${path}: ${message}`, { errors: [{ path, message }] });

/**
 * An API key's usage (docs/integration-traffic.md): the buckets of `granularity` whose start lies in
 * [since rounded down to its bucket, until), newest first. Only buckets with traffic are listed. The
 * key and its buckets are read in one round trip, both filtered by the caller's organization: another
 * organization's key is the same 404 as an unknown one.
 */
export async function keyUsage({
  ctx,
  input,
}: {
  ctx: RequestContext;
  input: { id: string; granularity?: UsageGranularity; since?: string; until?: string };
}) {
  const scope = requirePermission(ctx, "api_keys.read");
  const granularity = input.granularity ?? "hour";
  const range = USAGE_RANGES[granularity];
  const now = Date.now();
  const until = input.until ? Date.parse(input.until) : now + 1;
  const requestedSince = input.since ? Date.parse(input.since) : until - range.defaultMs;
  if (requestedSince >= until) throw rangeError("Must be before until.", "since");
  if (until - requestedSince > range.maxMs)
    throw rangeError(`At most ${range.maxMs / DAY_MS} days of ${granularity} buckets per request.`, "since");
  const since = requestedSince - (((requestedSince % range.bucketMs) + range.bucketMs) % range.bucketMs);
  if (!isId(input.id, "key")) throw notFound("API key");

  const organizationId = scope.organization.id;
  const [keys, rows] = await ctx.db.batch([
    ctx.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, input.id), eq(apiKeys.organizationId, organizationId))),
    ctx.db
      .select()
      .from(apiKeyUsage)
      .where(
        and(
          eq(apiKeyUsage.apiKeyId, input.id),
          eq(apiKeyUsage.organizationId, organizationId),
          eq(apiKeyUsage.granularity, granularity),
          gte(apiKeyUsage.bucketStart, since),
          lt(apiKeyUsage.bucketStart, until),
        ),
      )
      .orderBy(desc(apiKeyUsage.bucketStart)),
  ]);
  if (keys.length === 0) throw notFound("API key");
  return {
    data: rows.map((row) => ({
      start: isoTime(row.bucketStart),
      requests: row.requests,
      clientErrors: row.clientErrors,
      serverErrors: row.serverErrors,
      rateLimited: row.rateLimited,
    })),
  };
}
