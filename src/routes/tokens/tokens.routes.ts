import { z } from "../../lib/zod";
import { authErrors, errorResponses, jsonResponse } from "../../lib/openapi";
import { contract } from "../contract";
import * as operations from "./tokens.operations";

const tags = ["Auth"];

export const AccessTokenSchema = z
  .object({
    accessToken: z.string().openapi({
      description:
        "A JWT (ES256, `kid` in its header) with `iss` (APP_URL), `sub` (`usr_…` for a session, `key_…` for an API key), `org_id`, `role` (the role's name), `permissions` (array), `iat`, `exp` and `jti`. Verify it against GET /.well-known/jwks.json.",
    }),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Seconds until `exp` (300).", example: 300 }),
  })
  .openapi("AccessToken");

export const createAccessToken = contract(operations.createAccessToken, {
  tags,
  summary: "Issue a short-lived access token",
  description:
    "For the platform's services that cannot bind the `Authorizer` entrypoint: a signed token carrying the caller's organization, role and permissions as they are now, valid for 300 seconds. A revocation or a role change reaches a token only when it expires — at most 300 s; sibling Workers that must see it at once call the `Authorizer` entrypoint instead (docs/platform-authorization.md). This API does not accept these tokens itself. No request body. A 500 when the signing keys (the JWT_SIGNING_KEYS secret) are missing or invalid.",
  responses: { 200: jsonResponse(AccessTokenSchema, "The access token"), ...authErrors(404) },
});

const JwkSchema = z
  .object({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: z.string(),
    y: z.string(),
    kid: z.string(),
    alg: z.literal("ES256"),
    use: z.literal("sig"),
  })
  .openapi("Jwk");

export const getJwks = contract(operations.getJwks, {
  tags,
  summary: "Public keys of access tokens (JWKS)",
  description:
    "The public keys that verify access tokens: the current one first, then the previous one (during a key rotation). Pick the key by the token's `kid`. Cacheable for 5 minutes.",
  responses: { 200: jsonResponse(z.object({ keys: z.array(JwkSchema) }).openapi("Jwks"), "The JSON Web Key Set"), ...errorResponses() },
});
