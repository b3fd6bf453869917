import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { RequestContext } from "../../context";
import { apiKeys, apiKeyUsage } from "../../db/schema";
import type { UsageEntry } from "./usage-messages";

const DAY_MS = 86_400_000;
/** Statements per db.batch: a batch of 100 messages from isolates serving few keys needs far fewer. */
const MAX_STATEMENTS_PER_BATCH = 300;

interface Sum {
  keyId: string;
  granularity: "hour" | "day";
  bucketStart: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  rateLimited: number;
}

/**
 * Adds a queue batch's usage entries (from any number of isolates) into D1: summed here first, then
 * one upsert per key and hour, one per key and UTC day, and one `last_used_at` per key — the
 * writes grow with the keys in the batch, never with the isolates or requests behind them. One
 * db.batch (chunked only past MAX_STATEMENTS_PER_BATCH statements). Returns the statements run.
 *
 * A key revoked meanwhile writes nothing: each upsert selects its row from `api_keys`, which also
 * supplies the organization (a message never says which organization a key belongs to).
 */
export async function ingestUsage(ctx: Pick<RequestContext, "db">, entries: readonly UsageEntry[]): Promise<number> {
  const sums = new Map<string, Sum>();
  const lastUsed = new Map<string, number>();
  for (const entry of entries) {
    for (const [granularity, bucketStart] of [
      ["hour", entry.hour],
      ["day", entry.hour - (entry.hour % DAY_MS)],
    ] as const) {
      const id = `${entry.keyId}:${granularity}:${bucketStart}`;
      let sum = sums.get(id);
      if (!sum)
        sums.set(
          id,
          (sum = { keyId: entry.keyId, granularity, bucketStart, requests: 0, clientErrors: 0, serverErrors: 0, rateLimited: 0 }),
        );
      sum.requests += entry.requests;
      sum.clientErrors += entry.clientErrors;
      sum.serverErrors += entry.serverErrors;
      sum.rateLimited += entry.rateLimited;
    }
    lastUsed.set(entry.keyId, Math.max(lastUsed.get(entry.keyId) ?? 0, entry.lastUsedAt));
  }

  const statements: BatchItem<"sqlite">[] = [];
  for (const sum of sums.values()) statements.push(upsertUsage(ctx, sum));
  for (const [keyId, at] of lastUsed) {
    statements.push(
      ctx.db
        .update(apiKeys)
        .set({ lastUsedAt: sql`max(coalesce(${apiKeys.lastUsedAt}, 0), ${at})` })
        .where(eq(apiKeys.id, keyId)),
    );
  }
  for (let i = 0; i < statements.length; i += MAX_STATEMENTS_PER_BATCH) {
    const chunk = statements.slice(i, i + MAX_STATEMENTS_PER_BATCH) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
    await ctx.db.batch(chunk);
  }
  return statements.length;
}

/** INSERT … SELECT FROM api_keys … ON CONFLICT DO UPDATE: adds to the bucket's row, or starts it. */
function upsertUsage(ctx: Pick<RequestContext, "db">, sum: Sum) {
  return ctx.db
    .insert(apiKeyUsage)
    .select(
      ctx.db
        .select({
          apiKeyId: apiKeys.id,
          organizationId: apiKeys.organizationId,
          granularity: sql`${sum.granularity}`.as("granularity"),
          bucketStart: sql`${sum.bucketStart}`.as("bucket_start"),
          requests: sql`${sum.requests}`.as("requests"),
          clientErrors: sql`${sum.clientErrors}`.as("client_errors"),
          serverErrors: sql`${sum.serverErrors}`.as("server_errors"),
          rateLimited: sql`${sum.rateLimited}`.as("rate_limited"),
        })
        .from(apiKeys)
        .where(eq(apiKeys.id, sum.keyId)) as never,
    )
    .onConflictDoUpdate({
      target: [apiKeyUsage.apiKeyId, apiKeyUsage.granularity, apiKeyUsage.bucketStart],
      set: {
        requests: sql`${apiKeyUsage.requests} + excluded.requests`,
        clientErrors: sql`${apiKeyUsage.clientErrors} + excluded.client_errors`,
        serverErrors: sql`${apiKeyUsage.serverErrors} + excluded.server_errors`,
        rateLimited: sql`${apiKeyUsage.rateLimited} + excluded.rate_limited`,
      },
    });
}

/** Usage rows are kept this long; the scheduled upkeep prunes older ones in bounded batches. */
export const USAGE_RETENTION_DAYS = 90;
const PRUNE_ROWS = 1000;
const PRUNE_STATEMENTS = 20;

/** Deletes usage buckets older than USAGE_RETENTION_DAYS, at most PRUNE_ROWS × PRUNE_STATEMENTS rows a run. */
export async function pruneUsage(ctx: Pick<RequestContext, "db">, now = Date.now()): Promise<{ deleted: number; done: boolean }> {
  const cutoff = now - USAGE_RETENTION_DAYS * DAY_MS;
  let deleted = 0;
  for (let i = 0; i < PRUNE_STATEMENTS; i++) {
    const result = await ctx.db.run(
      sql`DELETE FROM ${apiKeyUsage} WHERE rowid IN (SELECT rowid FROM ${apiKeyUsage} WHERE ${apiKeyUsage.bucketStart} < ${cutoff} ORDER BY ${apiKeyUsage.bucketStart} LIMIT ${PRUNE_ROWS})`,
    );
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < PRUNE_ROWS) return { deleted, done: true };
  }
  return { deleted, done: false };
}
