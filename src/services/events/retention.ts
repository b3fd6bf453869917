import { sql } from "drizzle-orm";
import { events, organizations, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { idFloorAt } from "../../lib/ids";

export const DEFAULT_EVENT_RETENTION_DAYS = 90;
/** Rows per DELETE, and DELETEs per run: a run's cost is bounded whatever the backlog. */
export const PRUNE_BATCH_ROWS = 1000;
export const PRUNE_MAX_STATEMENTS = 20;

export function retentionDays(value: string | undefined): number {
  const days = Number(value);
  return Number.isInteger(days) && days > 0 ? days : DEFAULT_EVENT_RETENTION_DAYS;
}

/**
 * Deletes events older than EVENT_RETENTION_DAYS, oldest first, in bounded batches. Ids sort by
 * creation time, so "older than the cutoff" is `id < idFloorAt(cutoff)`: a range on the primary
 * key, no time index needed. What is left over is taken by the next run.
 */
export async function pruneEvents(ctx: RequestContext, now = Date.now()): Promise<{ deleted: number; done: boolean }> {
  const cutoff = idFloorAt("evt", now - retentionDays(ctx.env.EVENT_RETENTION_DAYS) * 86_400_000);
  let deleted = 0;
  for (let i = 0; i < PRUNE_MAX_STATEMENTS; i++) {
    const result = await ctx.db.run(
      sql`DELETE FROM ${events} WHERE ${events.id} IN (SELECT ${events.id} FROM ${events} WHERE ${events.id} < ${cutoff} ORDER BY ${events.id} LIMIT ${PRUNE_BATCH_ROWS})`,
    );
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < PRUNE_BATCH_ROWS) return { deleted, done: true };
  }
  return { deleted, done: false };
}

/** Deliveries older than the event retention go too; so do a deleted organization's endpoints, 3 days on. */
export const DELETED_ORG_ENDPOINT_GRACE_MS = 3 * 86_400_000;

export async function pruneWebhooks(ctx: RequestContext, now = Date.now()): Promise<{ deliveries: number; endpoints: number }> {
  const cutoff = idFloorAt("dlv", now - retentionDays(ctx.env.EVENT_RETENTION_DAYS) * 86_400_000);
  const deliveries = await ctx.db.run(
    sql`DELETE FROM ${webhookDeliveries} WHERE ${webhookDeliveries.id} IN (SELECT ${webhookDeliveries.id} FROM ${webhookDeliveries} WHERE ${webhookDeliveries.id} < ${cutoff} ORDER BY ${webhookDeliveries.id} LIMIT ${PRUNE_BATCH_ROWS})`,
  );
  const endpoints = await ctx.db.run(
    sql`DELETE FROM ${webhookEndpoints} WHERE ${webhookEndpoints.id} IN (SELECT ${webhookEndpoints.id} FROM ${webhookEndpoints} WHERE ${webhookEndpoints.updatedAt} < ${now - DELETED_ORG_ENDPOINT_GRACE_MS}
          AND NOT EXISTS (SELECT 1 FROM ${organizations} WHERE ${organizations.id} = ${webhookEndpoints.organizationId}) LIMIT ${PRUNE_BATCH_ROWS})`,
  );
  return { deliveries: deliveries.meta.changes ?? 0, endpoints: endpoints.meta.changes ?? 0 };
}
