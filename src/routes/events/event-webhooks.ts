import { z } from "../../lib/zod";
import { EVENT_TYPES, type EventType } from "../../domain/event-types";
import { OrganizationSchema } from "../schemas";
import { MemberSchema } from "../members/members.routes";
import { RoleSchema } from "../roles/roles.routes";
import { InvitationSchema } from "../invitations/org-invitations.routes";
import { ApiKeySchema } from "../api-keys/api-keys.routes";
import { WebhookEndpointSchema } from "../webhooks/webhooks.routes";
import { EventSchema } from "./event-schemas";

/**
 * The document's top-level `webhooks` (OpenAPI 3.1): what a receiver gets, one entry per event type
 * of the catalog (domain/event-types.ts), so a generator types the receiving side too. Each entry is
 * the delivery `POST`: the Standard Webhooks headers and the event as its body, `type` a constant
 * and `data.object` the record the event carries. `WebhookEvent` is all of them, a `oneOf`
 * discriminated by `type`: what one handler receiving every type parses, and (beside the generic
 * `Event` of events stored before a record's shape changed) what the events list returns.
 */

/** An API key as its events carry it: the key's view without `start` (no part of the secret travels). */
const ApiKeyEventObject = ApiKeySchema.omit({ start: true }).openapi("ApiKeyEventObject", {
  description: "An API key as `api_key.*` events carry it: the `ApiKey` view without `start`, so no part of the secret travels.",
});

/** A webhook endpoint as its events carry it: `url` is the origin only (`https://hooks.example.com/…`). */
const WebhookEndpointEventObject = WebhookEndpointSchema.extend({
  url: z.string().openapi({
    description: "The endpoint's origin only: a token in its path or query never travels in an event.",
    example: "https://hooks.example.com/…",
  }),
}).openapi("WebhookEndpointEventObject", { description: "A webhook endpoint as `webhook_endpoint.*` and `webhook.test` events carry it." });

/** The record each type's `data.object` is: the resource as the API returns it (never a secret). */
const RECORD_SCHEMAS: Record<EventType, z.ZodType> = {
  "organization.created": OrganizationSchema,
  "organization.updated": OrganizationSchema,
  "organization.deleted": OrganizationSchema,
  "member.added": MemberSchema,
  "member.updated": MemberSchema,
  "member.removed": MemberSchema,
  "role.created": RoleSchema,
  "role.updated": RoleSchema,
  "role.deleted": RoleSchema,
  "invitation.created": InvitationSchema,
  "invitation.resent": InvitationSchema,
  "invitation.revoked": InvitationSchema,
  "invitation.accepted": InvitationSchema,
  "invitation.declined": InvitationSchema,
  "api_key.created": ApiKeyEventObject,
  "api_key.revoked": ApiKeyEventObject,
  "api_key.updated": ApiKeyEventObject,
  "api_key.rolled": ApiKeyEventObject,
  "webhook_endpoint.created": WebhookEndpointEventObject,
  "webhook_endpoint.updated": WebhookEndpointEventObject,
  "webhook_endpoint.deleted": WebhookEndpointEventObject,
  "webhook_endpoint.disabled": WebhookEndpointEventObject,
  "webhook.test": WebhookEndpointEventObject,
};

/** `member.added` → `MemberAddedEvent`. */
export const eventSchemaName = (type: string) =>
  `${type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("")}Event`;

/** `member.added` → `memberAddedWebhook` (the webhook operation's id). */
const operationIdOf = (type: string) => {
  const name = eventSchemaName(type).replace(/Event$/, "Webhook");
  return name.charAt(0).toLowerCase() + name.slice(1);
};

// A whole object of its own (not `EventSchema.extend`, which the document would render as an
// `allOf` with Event's untyped `data.object`), with `type` as a `const`.
const eventOf = (type: EventType) =>
  z
    .object({
      ...EventSchema.shape,
      type: z.literal(type).openapi({ const: type } as object),
      data: z.object({
        object: RECORD_SCHEMAS[type],
        previous: z.record(z.string(), z.unknown()).optional().openapi({ description: "The changed fields' old values (updates only)." }),
      }),
    })
    .openapi(eventSchemaName(type), {
      description: `The \`${type}\` event: the body of its webhook deliveries, and what the events list returns for it.`,
    });

const EVENTS_BY_TYPE = EVENT_TYPES.map((type) => [type, eventOf(type)] as const);

/** Every delivery body, discriminated by `type`. */
export const WebhookEventSchema = z
  .discriminatedUnion(
    "type",
    EVENTS_BY_TYPE.map(([, schema]) => schema) as unknown as [ReturnType<typeof eventOf>, ...ReturnType<typeof eventOf>[]],
  )
  .openapi("WebhookEvent", {
    description: "One change to the organization, told apart by `type`: an item of the audit log, and the body of its webhook deliveries.",
  });

/** The Standard Webhooks request headers of every delivery attempt (src/services/webhooks/deliver.ts). */
const DeliveryHeaders = z.object({
  "webhook-id": z
    .string()
    .openapi({ description: "The event id, the same on every attempt: dedupe on it.", example: "evt_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
  "webhook-timestamp": z
    .string()
    .openapi({ description: "Unix seconds of this attempt (part of what is signed).", pattern: "^[0-9]+$", example: "1764763200" }),
  "webhook-signature": z.string().openapi({
    description:
      '`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, keyed with the secret\'s base64-decoded bytes after `whsec_`; two, space-separated, while a rotated secret overlaps the new one.',
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
});

const RECEIVED = "Received: any 2xx within 10 seconds is a success (the body is ignored).";
const NOT_RECEIVED = "Not received: any other status, a timeout or a network error, is retried with backoff (redirects are not followed).";

/** The `webhooks` entries, as RouteConfigs for zod-to-openapi's `registerWebhook` (keyed by `path`). */
export function eventWebhooks() {
  return EVENTS_BY_TYPE.map(([type, schema]) => ({
    method: "post" as const,
    path: type,
    operationId: operationIdOf(type),
    tags: ["Webhooks"],
    summary: `Delivery of ${type}`,
    description: `POSTed to every enabled endpoint subscribed to \`${type}\` (exactly, by its prefix, or by \`*\`), signed per Standard Webhooks. Verify the signature before trusting the body; dedupe on \`webhook-id\`; order by \`createdAt\` (delivery order is not guaranteed).`,
    security: [],
    request: { headers: DeliveryHeaders, body: { required: true, content: { "application/json": { schema } } } },
    responses: { "2XX": { description: RECEIVED }, "4XX": { description: NOT_RECEIVED }, "5XX": { description: NOT_RECEIVED } },
  }));
}
