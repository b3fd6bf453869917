import { z } from "../../lib/zod";
import { IdempotencyKeyHeaders } from "../idempotency";
import { authErrors, IDEMPOTENT_REPLAY_HEADERS, jsonResponse } from "../../lib/openapi";
import { IdParam, NameInput, Timestamp } from "../schemas";
import { ApiKeySchema, RateLimitTierSchema } from "./api-keys.routes";
import { contract } from "../contract";
import * as operations from "./traffic.operations";

const tags = ["API keys"];

const KeyParams = z.strictObject({ id: IdParam("key") });

export const updateApiKey = contract(operations.updateApiKey, {
  tags,
  summary: "Rename an API key or change its rate-limit tier",
  description:
    "Permissions: api_keys.update. The caller must hold every permission the key's role grants (403 otherwise). A new `rateLimit` applies from the next request on this location, and everywhere within the credential cache's bound (75 s). Records `api_key.updated` with the changed fields' old values; `{}` changes nothing.",
  request: {
    params: KeyParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              name: NameInput.optional().openapi({ example: "Booking site (EU)" }),
              rateLimit: RateLimitTierSchema.optional(),
            })
            .openapi("ApiKeyUpdateInput"),
        },
      },
    },
  },
  responses: { 200: jsonResponse(ApiKeySchema, "The key as it is now"), ...authErrors(404, 409, 413, 415) },
});

export const rollApiKey = contract(operations.rollApiKey, {
  tags,
  summary: "Roll an API key",
  description:
    "Permissions: api_keys.create. A new key with the old one's name, role and rateLimit (no expiry of its own); its secret `key` is shown only in this response. The old key keeps working until now + `expiresIn` seconds (0–604800, default 86400; 0 ends it at once) — or its own earlier `expiresAt` — and shows that `expiresAt`. Records `api_key.rolled` (`data.object` the new key, `data.previous.id` the old one). An expired key → 409. The caller must hold every permission the key's role grants; a session whose email address is not verified → 403 `email_not_verified`.",
  request: {
    params: KeyParams,
    headers: IdempotencyKeyHeaders,
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              expiresIn: z
                .number()
                .int()
                .min(0)
                .max(604_800)
                .optional()
                .openapi({ description: "Seconds the old key keeps working (0–604800, default 86400).", example: 3600 }),
            })
            .openapi("ApiKeyRollInput"),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(
      ApiKeySchema.extend({ key: z.string().openapi({ description: "The new secret. Shown once." }) }).openapi("RolledApiKey"),
      "The new key",
      ...IDEMPOTENT_REPLAY_HEADERS,
    ),
    ...authErrors(404, 409, 413, 415, 422),
  },
});

const IsoTime = z
  .string()
  .max(40)
  .refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), { message: "Must be an ISO-8601 time." });

export const UsageBucketSchema = z
  .object({
    start: Timestamp.openapi({ description: "Start of the hour or UTC day." }),
    requests: z.number().int().openapi({ description: "Every answered request of the key, errors and 429s included.", example: 1200 }),
    clientErrors: z.number().int().openapi({ description: "Answers 400–499 other than 429.", example: 3 }),
    serverErrors: z.number().int().openapi({ description: "Answers 500–599.", example: 0 }),
    rateLimited: z.number().int().openapi({ description: "429 answers of the key's rate limit.", example: 0 }),
  })
  .openapi("ApiKeyUsageBucket");

export const keyUsage = contract(operations.keyUsage, {
  tags,
  summary: "An API key's usage",
  description:
    "Permissions: api_keys.read. The key's requests per hour or UTC day, newest first; only buckets with traffic are listed. Buckets whose start lies in [`since` rounded down to its bucket, `until`). Defaults: `hour` over the last 24 hours, `day` over the last 30 days; at most 7 days of hours or 90 days of days per request. Counts are collected off the request path and are visible within 60 s; kept 90 days.",
  request: {
    params: KeyParams,
    query: z.strictObject({
      granularity: z
        .enum(["hour", "day"])
        .optional()
        .openapi({ param: { name: "granularity", in: "query" }, description: "Bucket size (default `hour`)." }),
      since: IsoTime.optional().openapi({
        param: { name: "since", in: "query" },
        description: "ISO-8601; rounded down to its bucket.",
        example: "2026-12-01T00:00:00Z",
      }),
      until: IsoTime.optional().openapi({ param: { name: "until", in: "query" }, description: "ISO-8601, exclusive (default now)." }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ data: z.array(UsageBucketSchema) }).openapi("ApiKeyUsage"), "Usage buckets, newest first"),
    ...authErrors(404),
  },
});
