import type { events } from "../../db/schema";
import { iso } from "../views";

export type EventRow = typeof events.$inferSelect;

/** An event as the audit log lists it and as a webhook delivery's body carries it (API.md §6). */
export function eventView(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    createdAt: iso(row.createdAt),
    organizationId: row.organizationId,
    actor: { type: row.actorType, id: row.actorId, name: row.actorName },
    requestId: row.requestId,
    data: JSON.parse(row.data) as { object: Record<string, unknown>; previous?: Record<string, unknown> },
  };
}
