import { createRoute } from "@hono/zod-openapi";
import { z } from "../../lib/zod";
import { authErrors, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { ACTOR_TYPES, EVENT_TYPE_PREFIXES, EVENT_TYPES, isEventTypePattern } from "../../domain/event-types";
import { IdParam, Timestamp } from "../schemas";
import { apiKeyOrSession } from "../auth-modes";

const tags = ["Events"];

export const EventTypeSchema = z.enum(EVENT_TYPES).openapi("EventType", { description: "The event catalog." });

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    type: EventTypeSchema,
    createdAt: Timestamp,
    organizationId: z.string().openapi({ example: "org_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    actor: z.object({
      type: z.enum(ACTOR_TYPES),
      id: z.string().nullable().openapi({ description: "`usr_…` or `key_…`; null for the system.", example: "usr_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
      name: z.string().openapi({ example: "Ana Ruiz" }),
    }),
    requestId: z.string().openapi({ example: "req_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    data: z.object({
      object: z.record(z.string(), z.unknown()).openapi({ description: "The resource exactly as the API returns it (never a secret)." }),
      previous: z.record(z.string(), z.unknown()).optional().openapi({ description: "The changed fields' old values (updates only)." }),
    }),
  })
  .openapi("Event", { description: "One change to the organization. Also the body of every webhook delivery." });

const IsoTime = z
  .string()
  .max(40)
  .refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), { message: "Must be an ISO-8601 time." });

const EventQuery = PaginationQuery.extend({
  type: z
    .string()
    .max(64)
    .refine(isEventTypePattern, { message: "Unknown event type (an exact type, or a prefix such as member.*)." })
    .optional()
    .openapi({ param: { name: "type", in: "query" }, description: `An exact type, or a prefix ending in \`.*\`: ${EVENT_TYPE_PREFIXES.join(", ")}.`, example: "member.*" }),
  actorId: z.string().max(64).optional().openapi({ param: { name: "actorId", in: "query" }, description: "A `usr_…` or `key_…` id." }),
  since: IsoTime.optional().openapi({ param: { name: "since", in: "query" }, description: "Events created at or after this time (ISO-8601).", example: "2026-11-01T00:00:00Z" }),
  until: IsoTime.optional().openapi({ param: { name: "until", in: "query" }, description: "Events created at or before this time (ISO-8601)." }),
});

export const listEvents = createRoute({
  operationId: "listEvents",
  method: "get",
  path: "/api/organizations/me/events",
  tags,
  summary: "List events (audit log)",
  description:
    "Permissions: audit_logs.read. Newest first; filter by `type` (exact or `prefix.*`), `actorId`, `since`/`until`. One D1 query per page. Events are kept `EVENT_RETENTION_DAYS` (90) days.",
  ...apiKeyOrSession("audit_logs.read"),
  request: { query: EventQuery },
  responses: { 200: jsonResponse(pageSchema(EventSchema, "EventPage"), "A page of events, newest first"), ...authErrors(404) },
});

export const getEvent = createRoute({
  operationId: "getEvent",
  method: "get",
  path: "/api/organizations/me/events/{id}",
  tags,
  summary: "Get an event",
  description: "Permissions: audit_logs.read.",
  ...apiKeyOrSession("audit_logs.read"),
  request: { params: z.strictObject({ id: IdParam("evt") }) },
  responses: { 200: jsonResponse(EventSchema, "The event"), ...authErrors(404) },
});
