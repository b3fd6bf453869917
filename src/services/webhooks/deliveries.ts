import { and, desc, eq, lt, ne } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { requirePermission } from "../auth/guards";
import { findInOrg } from "../../db/tenant-rows";
import { isoTime } from "../record-views";
import { enqueueDelivery, sendLimit } from "./endpoints";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    lastAttemptAt: row.lastAttemptAt ? isoTime(row.lastAttemptAt) : null,
    nextAttemptAt: row.nextAttemptAt ? isoTime(row.nextAttemptAt) : null,
    responseStatus: row.responseStatus,
    responseBody: row.responseBody,
    durationMs: row.durationMs,
    createdAt: isoTime(row.createdAt),
  };
}

/**
 * An endpoint's deliveries, newest first, keyset on (endpoint_id, id). The endpoint's own check
 * (another organization's id is a 404) rides in the same round trip as the page.
 */
export async function listDeliveries({ ctx, input }: { ctx: RequestContext; input: { id: string; limit: number; cursor?: string } }) {
  const scope = requirePermission(ctx, "webhooks.read");
  const before = decodeCursor(input.cursor, "dlv");
  const [endpoint, rows] = await ctx.db.batch([
    ctx.db
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, input.id), eq(webhookEndpoints.organizationId, scope.organization.id))),
    ctx.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.endpointId, input.id),
          eq(webhookDeliveries.organizationId, scope.organization.id),
          before ? lt(webhookDeliveries.id, before) : undefined,
        ),
      )
      .orderBy(desc(webhookDeliveries.id))
      .limit(input.limit + 1),
  ]);
  if (endpoint.length === 0) throw notFound("Webhook endpoint");
  const page = toPage(rows, input.limit);
  return { data: page.data.map(deliveryView), nextCursor: page.nextCursor };
}

/**
 * One more attempt now of a delivery that has not succeeded: it becomes pending and a `manual`
 * message is queued (same `webhook-id`). A succeeded one is a 409 `delivery_succeeded` (the guard
 * is in the UPDATE, so a success booked meanwhile is not re-sent); a disabled endpoint gets nothing
 * (409 `endpoint_disabled`). Counts against the organization's send limit.
 */
export async function retryDelivery({ ctx, input }: { ctx: RequestContext; input: { id: string; deliveryId: string } }) {
  const scope = requirePermission(ctx, "webhooks.update");
  const endpoint = await findInOrg(ctx, webhookEndpoints, input.id, scope.organization.id, "Webhook endpoint");
  if (!endpoint.enabled) throw new ApiError("endpoint_disabled", "This endpoint is disabled: enable it first (PATCH { enabled: true }).");
  await sendLimit(ctx, scope.organization.id);
  const theDelivery = and(
    eq(webhookDeliveries.id, input.deliveryId),
    eq(webhookDeliveries.endpointId, endpoint.id),
    eq(webhookDeliveries.organizationId, scope.organization.id),
  );
  const [row] = await ctx.db
    .update(webhookDeliveries)
    .set({ status: "pending" })
    .where(and(theDelivery, ne(webhookDeliveries.status, "succeeded")))
    .returning();
  if (!row) {
    // Only on refusal: was it not there, or already succeeded?
    const existing = await ctx.db.select({ status: webhookDeliveries.status }).from(webhookDeliveries).where(theDelivery).get();
    if (!existing) throw notFound("Delivery");
    throw new ApiError(
      "delivery_succeeded",
      "This delivery already succeeded; nothing was queued. Send a test event (POST …/test) to try the endpoint again.",
    );
  }
  await enqueueDelivery(ctx, { kind: "delivery", deliveryId: row.id, organizationId: row.organizationId, manual: true });
  return deliveryView(row);
}
