import { z } from "../../lib/zod";
import { ACTOR_TYPES, ALL_EVENT_TYPES, EVENT_TYPE_PREFIXES, EVENT_TYPES } from "../../domain/event-types";
import { Timestamp } from "../schemas";

/** The event vocabulary's schemas, shared by the events routes, the webhook routes and the document's `webhooks`. */
export const EventTypeSchema = z.enum(EVENT_TYPES).openapi("EventType", { description: "The event catalog." });

/**
 * What selects event types: an exact type, a prefix such as `member.*`, or `*` for every type. One
 * schema for a webhook endpoint's `eventTypes` (in and out) and the events list's `type` filter, so
 * what a client reads back it can send again.
 */
export const EventTypePattern = z
  .enum([ALL_EVENT_TYPES, ...EVENT_TYPE_PREFIXES, ...EVENT_TYPES] as [string, ...string[]])
  .openapi("EventTypePattern", { description: "An event type, a prefix such as `member.*`, or `*` for every type." });

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    type: EventTypeSchema,
    createdAt: Timestamp,
    organizationId: z.string().openapi({ example: "org_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    actor: z.object({
      type: z.enum(ACTOR_TYPES),
      id: z
        .string()
        .nullable()
        .openapi({ description: "`usr_…` or `key_…`; null for the system.", example: "usr_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
      name: z.string().openapi({ example: "Ana Ruiz" }),
    }),
    requestId: z.string().openapi({ example: "req_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    data: z.object({
      object: z.record(z.string(), z.unknown()).openapi({ description: "The resource exactly as the API returns it (never a secret)." }),
      previous: z.record(z.string(), z.unknown()).optional().openapi({ description: "The changed fields' old values (updates only)." }),
    }),
  })
  .openapi("Event", {
    description:
      "The shape every event has, whatever its type: `data.object` is the resource as the API returned it when the event was recorded. Each type's own schema (`MemberAddedEvent`, …, together `WebhookEvent`) types it exactly.",
  });
