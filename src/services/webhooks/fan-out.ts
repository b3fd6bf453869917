import { and, eq, or } from "drizzle-orm";
import { events, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { matchesEventType } from "../../domain/event-types";
import { newId } from "../../lib/ids";
import { ALL_EVENT_TYPES, ORGANIZATION_DELETED_REASON } from "./endpoints";
import type { DeliveryMessage } from "./messages";

/**
 * Fans one event out: a delivery row per matching endpoint (insert-or-ignore on the unique
 * (event_id, endpoint_id), so a redelivered message creates nothing new), then one `delivery`
 * message per delivery never attempted. Runs in the queue consumer, never on a request.
 * An event that is not there (its batch failed, or its guard did not hold) is dropped.
 */
export async function fanOutEvent(ctx: RequestContext, eventId: string): Promise<{ deliveries: number }> {
  const event = await ctx.db.select({ id: events.id, type: events.type, organizationId: events.organizationId }).from(events).where(eq(events.id, eventId)).get();
  if (!event) return { deliveries: 0 };
  const now = new Date();
  const markFannedOut = ctx.db.update(events).set({ fannedOutAt: now }).where(eq(events.id, event.id));
  // webhook.test goes only to the endpoint it tests, with its own delivery row (endpoints.ts).
  const endpoints =
    event.type === "webhook.test"
      ? []
      : await ctx.db
          .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
          .from(webhookEndpoints)
          .where(
            and(
              eq(webhookEndpoints.organizationId, event.organizationId),
              // A deleted organization's endpoints are disabled with this reason and still get its last event.
              event.type === "organization.deleted"
                ? or(eq(webhookEndpoints.enabled, true), eq(webhookEndpoints.disabledReason, ORGANIZATION_DELETED_REASON))
                : eq(webhookEndpoints.enabled, true),
            ),
          );
  const matching = endpoints.filter((e) => e.eventTypes.some((pattern) => pattern === ALL_EVENT_TYPES || matchesEventType(pattern, event.type)));
  if (matching.length === 0) {
    await markFannedOut.run();
    return { deliveries: 0 };
  }
  const inserts = matching.map((endpoint) =>
    ctx.db
      .insert(webhookDeliveries)
      .values({ id: newId("dlv"), endpointId: endpoint.id, organizationId: event.organizationId, eventId: event.id, eventType: event.type, status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now })
      .onConflictDoNothing(),
  );
  const results = await ctx.db.batch([
    markFannedOut,
    ...inserts,
    // Never attempted: the rows just written, or left by an earlier run of this message that stopped before queueing them.
    ctx.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, 0))),
  ] as const);
  const pending = results[results.length - 1] as { id: string }[];
  if (pending.length > 0) {
    const messages: { body: DeliveryMessage; contentType: "json" }[] = pending.map(({ id }) => ({
      body: { kind: "delivery", deliveryId: id, organizationId: event.organizationId },
      contentType: "json",
    }));
    await ctx.env.WEBHOOKS.sendBatch(messages);
  }
  return { deliveries: pending.length };
}
