import type { events } from "../../db/schema";
import { urlForEvents } from "../webhooks/url-rules";
import { isoTime } from "../record-views";

export type EventRow = typeof events.$inferSelect;

type EventData = { object: Record<string, unknown>; previous?: Record<string, unknown> };

/** An event as the audit log lists it and as a webhook delivery's body carries it (docs/events-and-webhooks.md). */
export function eventView(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    createdAt: isoTime(row.createdAt),
    organizationId: row.organizationId,
    actor: { type: row.actorType, id: row.actorId, name: row.actorName },
    requestId: row.requestId,
    data: withEndpointOrigins(row.type, JSON.parse(row.data) as EventData),
  };
}

/**
 * Webhook endpoint events show the endpoint's URL as its origin only. They are recorded that way;
 * this also covers events recorded before, for as long as retention keeps them (idempotent on an
 * origin already shown so).
 */
function withEndpointOrigins(type: string, data: EventData): EventData {
  if (!type.startsWith("webhook_endpoint.") && type !== "webhook.test") return data;
  const origin = (part?: Record<string, unknown>) =>
    part && typeof part.url === "string" ? { ...part, url: urlForEvents(part.url) } : part;
  return data.previous ? { object: origin(data.object)!, previous: origin(data.previous) } : { object: origin(data.object)! };
}
