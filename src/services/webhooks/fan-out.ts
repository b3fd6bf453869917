import { and, eq, getTableColumns, ne, or, sql } from "drizzle-orm";
import { events, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { matchesEventType } from "../../domain/event-types";
import { newId } from "../../lib/ids";
import { ALL_EVENT_TYPES, ORGANIZATION_DELETED_REASON } from "./endpoints";
import type { DeliveryMessage } from "./messages";

/**
 * Fans one event out in two round trips and four statements, whatever the number of endpoints: one
 * read (the event with its organization's deliverable endpoints, joined), then one batch — the event
 * marked fanned out, one multi-row insert of a delivery row per matching endpoint (insert-or-ignore on
 * the unique (event_id, endpoint_id), so a redelivered message creates nothing new; the rows come from
 * one JSON array bound as a single parameter, so D1's 100-parameter limit never splits it), and the
 * read of the deliveries never attempted — then one `delivery` message per such delivery, sent in one
 * queue call. Runs in the queue consumer, never on a request. An event that is not there (its batch
 * failed, or its guard did not hold) is dropped.
 */
export async function fanOutEvent(ctx: RequestContext, eventId: string): Promise<{ deliveries: number }> {
  const rows = await ctx.db
    .select({
      type: events.type,
      organizationId: events.organizationId,
      endpointId: webhookEndpoints.id,
      eventTypes: webhookEndpoints.eventTypes,
    })
    .from(events)
    .leftJoin(
      webhookEndpoints,
      and(
        eq(webhookEndpoints.organizationId, events.organizationId),
        // webhook.test goes only to the endpoint it tests, with its own delivery row (endpoints.ts).
        ne(events.type, "webhook.test"),
        // A deleted organization's endpoints are disabled with this reason and still get its last event.
        or(
          eq(webhookEndpoints.enabled, true),
          and(eq(events.type, "organization.deleted"), eq(webhookEndpoints.disabledReason, ORGANIZATION_DELETED_REASON)),
        ),
      ),
    )
    .where(eq(events.id, eventId));
  const event = rows[0];
  if (!event) return { deliveries: 0 };
  const now = new Date();
  const markFannedOut = ctx.db.update(events).set({ fannedOutAt: now }).where(eq(events.id, eventId));
  const matching = rows.filter(
    (row): row is typeof row & { endpointId: string; eventTypes: string[] } =>
      row.endpointId !== null &&
      row.eventTypes !== null &&
      row.eventTypes.some((pattern) => pattern === ALL_EVENT_TYPES || matchesEventType(pattern, event.type)),
  );
  if (matching.length === 0) {
    await markFannedOut.run();
    return { deliveries: 0 };
  }
  // [delivery id, endpoint id] per matching endpoint, unpacked by json_each inside the statement.
  const pairs = JSON.stringify(matching.map((row) => [newId("dlv"), row.endpointId]));
  const bound = (column: keyof typeof webhookDeliveries.$inferInsert, value: unknown) =>
    sql`${getTableColumns(webhookDeliveries)[column].mapToDriverValue(value)}`;
  const insertDeliveries = ctx.db
    .insert(webhookDeliveries)
    .select(
      ctx.db
        .select({
          id: sql`json_extract(value, '$[0]')`,
          endpointId: sql`json_extract(value, '$[1]')`,
          organizationId: bound("organizationId", event.organizationId),
          eventId: bound("eventId", eventId),
          eventType: bound("eventType", event.type),
          status: bound("status", "pending"),
          attempts: bound("attempts", 0),
          lastAttemptAt: sql`NULL`,
          nextAttemptAt: bound("nextAttemptAt", now),
          responseStatus: sql`NULL`,
          responseBody: sql`NULL`,
          durationMs: sql`NULL`,
          createdAt: bound("createdAt", now),
        })
        .from(sql`json_each(${pairs})`)
        // SQLite needs a WHERE before an upsert clause on INSERT … SELECT (a parsing ambiguity otherwise).
        .where(sql`true`) as never,
    )
    .onConflictDoNothing();
  const results = await ctx.db.batch([
    markFannedOut,
    insertDeliveries,
    // Never attempted: the rows just written, or left by an earlier run of this message that stopped before queueing them.
    ctx.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, 0))),
  ] as const);
  const pending = results[2];
  if (pending.length > 0) {
    const messages: { body: DeliveryMessage; contentType: "json" }[] = pending.map(({ id }) => ({
      body: { kind: "delivery", deliveryId: id, organizationId: event.organizationId },
      contentType: "json",
    }));
    await ctx.env.WEBHOOKS.sendBatch(messages);
  }
  return { deliveries: pending.length };
}
