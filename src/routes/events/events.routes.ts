import { z } from "../../lib/zod";
import { authErrors, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { EVENT_TYPE_PREFIXES } from "../../domain/event-types";
import { IdParam } from "../schemas";
import { EventSchema, EventTypePattern } from "./event-schemas";
import { WebhookEventSchema } from "./event-webhooks";
import { contract } from "../contract";
import * as operations from "./events.operations";

const tags = ["Events"];

/**
 * An item of the audit log: an event of the current catalog, typed by `type` (`WebhookEvent`), or —
 * for an event stored before its record's shape last changed (events are kept 90 days, exactly as
 * recorded) — the generic `Event` whose `data.object` is any object.
 */
const AuditLogEventSchema = z.union([WebhookEventSchema, EventSchema]).openapi("AuditLogEvent", {
  description:
    "An event as recorded: typed by `type` (`WebhookEvent`), or, if it was stored before its record's shape last changed, the generic `Event`.",
});

const IsoTime = z
  .string()
  .max(40)
  .refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), { message: "Must be an ISO-8601 time." });

const EventQuery = PaginationQuery.extend({
  // The description on the parameter, not the schema: the schema stays a bare `$ref` to EventTypePattern.
  type: EventTypePattern.optional().openapi({
    param: {
      name: "type",
      in: "query",
      description: `An exact type, a prefix ending in \`.*\` (${EVENT_TYPE_PREFIXES.join(", ")}), or \`*\` (every type: the same as no filter).`,
      example: "member.*",
    },
  }),
  actorId: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "actorId", in: "query" }, description: "A `usr_…` or `key_…` id." }),
  since: IsoTime.optional().openapi({
    param: { name: "since", in: "query" },
    description: "Events created at or after this time (ISO-8601).",
    example: "2026-11-01T00:00:00Z",
  }),
  until: IsoTime.optional().openapi({
    param: { name: "until", in: "query" },
    description: "Events created at or before this time (ISO-8601).",
  }),
});

export const listEvents = contract(operations.listEvents, {
  tags,
  summary: "List events (audit log)",
  description:
    "Permissions: audit_logs.read. Newest first; filter by `type` (exact or `prefix.*`), `actorId`, `since`/`until`. One D1 query per page. Events are kept `EVENT_RETENTION_DAYS` (90) days.",
  request: { query: EventQuery },
  responses: { 200: jsonResponse(pageSchema(AuditLogEventSchema, "EventPage"), "A page of events, newest first"), ...authErrors(404) },
});

export const getEvent = contract(operations.getEvent, {
  tags,
  summary: "Get an event",
  description: "Permissions: audit_logs.read.",
  request: { params: z.strictObject({ id: IdParam("evt") }) },
  responses: { 200: jsonResponse(AuditLogEventSchema, "The event"), ...authErrors(404) },
});
