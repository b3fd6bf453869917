import { z } from "../../lib/zod";
import { authErrors, emptyResponse, IDEMPOTENT_REPLAY_HEADERS, jsonBody, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { EventTypePattern } from "../events/event-schemas";
import { MAX_URL_LENGTH } from "../../services/webhooks/url-rules";
import { cleanText, IdParam, Timestamp } from "../schemas";
import { IdempotencyKeyHeaders } from "../idempotency";
import { contract } from "../contract";
import * as operations from "./webhooks.operations";

const tags = ["Webhooks"];

export const WebhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: "whe_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    url: z.string().openapi({ example: "https://hooks.example.com/tours-events" }),
    description: z.string(),
    eventTypes: z
      .array(EventTypePattern)
      .openapi({ description: 'What it is subscribed to, as sent (`["*"]` by default).', example: ["member.*", "role.updated"] }),
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .openapi({ description: "Why the platform disabled it (failing deliveries, organization deleted); cleared on re-enabling." }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("WebhookEndpoint", {
    description: "An endpoint as every read returns it: never with its signing secret (see `WebhookEndpointWithSecret`).",
  });

const WithSecret = WebhookEndpointSchema.extend({
  secret: z.string().openapi({
    description: "`whsec_` + base64 of 32 random bytes. Shown only in this response.",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  }),
}).openapi("WebhookEndpointWithSecret", {
  description:
    "The endpoint WITH its signing `secret`: returned once, by creating the endpoint and by rotating its secret. Store it then; no read returns it again.",
});

export const WebhookDeliverySchema = z
  .object({
    id: z.string().openapi({ example: "dlv_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    eventId: z.string().openapi({ description: "Also the `webhook-id` header of every attempt." }),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    lastAttemptAt: Timestamp.nullable(),
    nextAttemptAt: Timestamp.nullable(),
    responseStatus: z.number().int().nullable(),
    responseBody: z.string().nullable().openapi({ description: "The first 1 KiB of the receiver's answer, or the network error." }),
    durationMs: z.number().int().nullable(),
    createdAt: Timestamp,
  })
  .openapi("WebhookDelivery");

const Url = z
  .string()
  .max(MAX_URL_LENGTH)
  .openapi({
    description:
      "https:// (http://localhost or 127.0.0.1 in development only); no userinfo; at most " +
      MAX_URL_LENGTH.toLocaleString("en-US") +
      " characters (400 `validation_failed`). Outside development the host may not be an internal address or name in any spelling — loopback, private, link-local, CGNAT, unique-local, multicast, reserved, IPv4-mapped/NAT64 forms, decimal/hex/octal IPv4, `localhost`, `.local`, `.internal`, `.home.arpa`, single-label names (400 `webhook_url_forbidden`). Events show only its origin (`https://hooks.example.com/…`).",
    example: "https://hooks.example.com/tours-events",
  });
const Description = cleanText(0, 500);
const EventTypes = z.array(EventTypePattern).min(1).max(50);
const EndpointParams = z.strictObject({ id: IdParam("whe") });
const DeliveryParams = z.strictObject({ id: IdParam("whe"), deliveryId: IdParam("dlv", "deliveryId") });

export const listWebhooks = contract(operations.listWebhooks, {
  tags,
  summary: "List webhook endpoints",
  description: "Permissions: webhooks.read.",
  request: { query: PaginationQuery },
  responses: {
    200: jsonResponse(pageSchema(WebhookEndpointSchema, "WebhookEndpointPage"), "A page of endpoints, oldest first"),
    ...authErrors(404),
  },
});

export const createWebhook = contract(operations.createWebhook, {
  tags,
  summary: "Create a webhook endpoint",
  description:
    'Permissions: webhooks.create, plus the read permission of what each subscribed type carries (403 `forbidden` naming the missing ones): `member.*` and `invitation.*` need users.read, `role.*` roles.read, `api_key.*` api_keys.read, `webhook_endpoint.*` and `webhook.*` webhooks.read, `organization.*` nothing more, `*` all of them. `eventTypes` defaults to `["*"]` (every type). The signing `secret` is returned only here. At most 20 per organization (409 `limit_reached`). A session whose email address is not verified → 403 `email_not_verified`.',
  request: {
    headers: IdempotencyKeyHeaders,
    body: jsonBody(
      z
        .strictObject({ url: Url, description: Description.optional(), eventTypes: EventTypes.optional(), enabled: z.boolean().optional() })
        .openapi("WebhookEndpointCreateInput"),
    ),
  },
  responses: { 201: jsonResponse(WithSecret, "Created", ...IDEMPOTENT_REPLAY_HEADERS), ...authErrors(404, 409, 413, 415, 422) },
});

export const getWebhook = contract(operations.getWebhook, {
  tags,
  summary: "Get a webhook endpoint",
  description: "Permissions: webhooks.read.",
  request: { params: EndpointParams },
  responses: { 200: jsonResponse(WebhookEndpointSchema, "The endpoint"), ...authErrors(404) },
});

export const updateWebhook = contract(operations.updateWebhook, {
  tags,
  summary: "Update a webhook endpoint",
  description:
    "Permissions: webhooks.update. Changing `url` or `eventTypes` checks the subscription again: each subscribed type needs the read permission of what it carries (403 `forbidden`, as on create). Re-enabling (`enabled: true`) clears `disabledReason` and the failure streak.",
  request: {
    params: EndpointParams,
    body: jsonBody(
      z
        .strictObject({
          url: Url.optional(),
          description: Description.optional(),
          eventTypes: EventTypes.optional(),
          enabled: z.boolean().optional(),
        })
        .openapi("WebhookEndpointUpdateInput"),
    ),
  },
  responses: { 200: jsonResponse(WebhookEndpointSchema, "The updated endpoint"), ...authErrors(404, 409, 413, 415) },
});

export const deleteWebhook = contract(operations.deleteWebhook, {
  tags,
  summary: "Delete a webhook endpoint",
  description: "Permissions: webhooks.delete. Its deliveries go with it; nothing more is sent to it.",
  request: { params: EndpointParams },
  responses: { 204: emptyResponse("Deleted"), ...authErrors(404) },
});

export const rotateWebhookSecret = contract(operations.rotateWebhookSecret, {
  tags,
  summary: "Rotate the signing secret",
  description:
    "Permissions: webhooks.update. Returns the new `secret` (shown only here). For 24 hours deliveries carry two signatures, one per secret. Of two concurrent rotations the second rotates the first's new secret, so both returned secrets sign.",
  request: { headers: IdempotencyKeyHeaders, params: EndpointParams },
  responses: {
    200: jsonResponse(WithSecret, "The endpoint with its new secret", ...IDEMPOTENT_REPLAY_HEADERS),
    ...authErrors(404, 409, 422),
  },
});

export const testWebhook = contract(operations.testWebhook, {
  tags,
  summary: "Send a test event",
  description:
    "Permissions: webhooks.update. Records a `webhook.test` event and delivers it to this endpoint only. A disabled endpoint is a 409 `endpoint_disabled`. Test sends and retries share a limit of 10 a minute per organization (429 `rate_limited` with `Retry-After`).",
  request: { headers: IdempotencyKeyHeaders, params: EndpointParams },
  responses: {
    202: jsonResponse(
      z.object({ eventId: z.string(), deliveryId: z.string() }).openapi("WebhookTestAccepted"),
      "Queued",
      ...IDEMPOTENT_REPLAY_HEADERS,
    ),
    ...authErrors(404, 409, 422, 429),
  },
});

export const listDeliveries = contract(operations.listDeliveries, {
  tags,
  summary: "List an endpoint's deliveries",
  description: "Permissions: webhooks.read. Newest first.",
  request: { params: EndpointParams, query: PaginationQuery },
  responses: {
    200: jsonResponse(pageSchema(WebhookDeliverySchema, "WebhookDeliveryPage"), "A page of deliveries, newest first"),
    ...authErrors(404),
  },
});

export const retryDelivery = contract(operations.retryDelivery, {
  tags,
  summary: "Retry a delivery now",
  description:
    "Permissions: webhooks.update. One more attempt, with the same `webhook-id`, of a delivery that has not succeeded (a succeeded one is a 409 `delivery_succeeded`, nothing queued). A disabled endpoint is a 409 `endpoint_disabled`. Retries and test sends share a limit of 10 a minute per organization (429 `rate_limited` with `Retry-After`).",
  request: { params: DeliveryParams },
  responses: { 202: jsonResponse(WebhookDeliverySchema, "Queued; the delivery as it stands"), ...authErrors(404, 409, 429) },
});
