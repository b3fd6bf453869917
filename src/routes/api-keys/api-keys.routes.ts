import { z } from "../../lib/zod";
import { IdempotencyKeyHeaders } from "../idempotency";
import { authErrors, emptyResponse, IDEMPOTENT_REPLAY_HEADERS, jsonBody, jsonResponse } from "../../lib/openapi";
import { PaginationQuery, pageSchema } from "../../lib/pagination";
import { IdParam, NameInput, RoleRefSchema, Timestamp } from "../schemas";
import { RATE_LIMIT_TIERS } from "../../domain/rate-limits";
import { contract } from "../contract";
import * as operations from "./api-keys.operations";

export const RateLimitTierSchema = z.enum(RATE_LIMIT_TIERS).openapi({
  description: "Traffic tier: `low` 60, `standard` 600, `high` 6,000 requests a minute (per Cloudflare location, approximate).",
  example: "standard",
});

const tags = ["API keys"];

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    name: z.string().openapi({ example: "Booking site" }),
    start: z.string().openapi({ description: "The first characters of the key, for telling keys apart.", example: "ork_4fGh7K" }),
    role: RoleRefSchema,
    rateLimit: RateLimitTierSchema,
    expiresAt: Timestamp.nullable(),
    lastUsedAt: Timestamp.nullable().openapi({ description: "The latest request, from the usage counts: visible within 60 s of it." }),
    createdAt: Timestamp,
  })
  .openapi("ApiKey", { description: "Never includes the secret or its hash." });

export const listApiKeys = contract(operations.listApiKeys, {
  tags,
  summary: "List API keys",
  description: "Permissions: api_keys.read.",
  request: { query: PaginationQuery },
  responses: { 200: jsonResponse(pageSchema(ApiKeySchema, "ApiKeyPage"), "A page of keys, oldest first"), ...authErrors(404) },
});

export const createApiKey = contract(operations.createApiKey, {
  tags,
  summary: "Create an API key",
  description:
    "Permissions: api_keys.create. The key acts with `role` (a role name of this organization); the caller must hold every permission that role grants (403 otherwise). The secret `key` is returned only in this response. A session whose email address is not verified → 403 `email_not_verified`.",
  request: {
    headers: IdempotencyKeyHeaders,
    body: jsonBody(
      z
        .strictObject({
          name: NameInput.openapi({ example: "Booking site" }),
          role: z.string().trim().min(1).max(100).openapi({ example: "Member" }),
          expiresAt: z.iso.datetime({ offset: true }).optional().openapi({ description: "Optional expiry (future ISO-8601 time)." }),
          rateLimit: RateLimitTierSchema.optional().openapi({ description: "Traffic tier (default `standard`)." }),
        })
        .openapi("ApiKeyCreateInput"),
    ),
  },
  responses: {
    201: jsonResponse(
      ApiKeySchema.extend({ key: z.string().openapi({ description: "The secret. Shown once." }) }).openapi("ApiKeyWithSecret", {
        description:
          "The new key WITH its secret (`key`): returned once, by this response only. Store it now; no read returns it again (only its `start`).",
      }),
      "Created",
      ...IDEMPOTENT_REPLAY_HEADERS,
    ),
    ...authErrors(404, 413, 415, 409, 422),
  },
});

export const revokeApiKey = contract(operations.revokeApiKey, {
  tags,
  summary: "Revoke an API key",
  description: "Permissions: api_keys.delete. The key stops working at once (see README for other locations' bound).",
  request: { params: z.strictObject({ id: IdParam("key") }) },
  responses: { 204: emptyResponse("Revoked"), ...authErrors(404) },
});
