import { z } from "./zod";
import { ERROR_CODES, errorTypeUri, type ErrorCode } from "./errors";
import { BOOKMARK, BOOKMARK_HEADER } from "./bookmark";
import { CLIENT_REQUEST_ID_PATTERN, CLIENT_REQUEST_ID_RULE } from "./client-info";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({
      format: "uri-reference",
      description: "Where the problem type is explained: this server's error catalog (`/docs/errors#{code}`).",
      example: errorTypeUri("validation_failed"),
    }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: "timezone: Unknown IANA time zone." }),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    requestId: z.string().openapi({ example: "req_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details. `code` is stable and machine-readable." });

/**
 * Response headers, declared once as `components.headers` (registerOpenApiComponents) and
 * referenced from each response that carries them.
 */
export const HEADER_COMPONENTS = {
  "X-Request-Id": {
    description:
      "The server's own id of this request (`req_…`), the one its events, the audit log and log lines carry. Quote it when reporting a problem. A caller's own `X-Request-Id` never replaces it: it comes back as `X-Client-Request-Id`.",
    schema: { type: "string", pattern: "^req_[0-9A-Z]{26}$", example: "req_01JD3S0M8N9A1B2C3D4E5F6G7H" },
    required: true,
  },
  "X-Client-Request-Id": {
    description: `The caller's own \`X-Request-Id\`, echoed when it was sane (${CLIENT_REQUEST_ID_RULE}); logged beside the server's id, never recorded as it. Absent otherwise.`,
    schema: { type: "string", pattern: CLIENT_REQUEST_ID_PATTERN, example: "checkout-7f3a9c" },
  },
  "X-D1-Bookmark": {
    description:
      "The D1 bookmark of this request's reads and writes (when it touched the database). Send it back as the `x-d1-bookmark` request header to read at least what this response saw, on any replica.",
    schema: { type: "string", pattern: BOOKMARK.source },
  },
  "Retry-After": {
    description: "Seconds to wait before retrying.",
    schema: { type: "integer", minimum: 0, example: 30 },
    required: true,
  },
  "Set-Cookie": {
    description:
      "The `session` cookie (HttpOnly, Secure, SameSite=Lax) for browsers: set on sign-up, sign-in and accepting, cleared on sign-out.",
    schema: { type: "string", example: "session=sst_…; Path=/; Expires=Sat, 28 Nov 2026 16:00:00 GMT; HttpOnly; Secure; SameSite=Lax" },
  },
  Allow: {
    description: "The methods this path does answer.",
    schema: { type: "string", example: "GET, PATCH" },
    required: true,
  },
  "WWW-Authenticate": {
    description: "The scheme that would authenticate the request (RFC 9110 §11.6.1).",
    schema: { type: "string", example: 'Bearer realm="api"' },
    required: true,
  },
  "RateLimit-Policy": {
    description:
      'The caller\'s traffic limit (draft-ietf-httpapi-ratelimit-headers): `"key";q=600;w=60` is 600 requests per 60 s for this API key (its tier), `"user";q=1200;w=60` the limit of all of a user\'s sessions. On every answer to an authenticated caller. Counted per Cloudflare location, approximately.',
    schema: { type: "string", example: '"key";q=600;w=60' },
  },
  "Idempotent-Replayed": {
    description: "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.",
    schema: { type: "string", enum: ["true"] },
  },
} as const;

export type HeaderName = keyof typeof HEADER_COMPONENTS;
const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });

/**
 * The headers of a response: `X-Request-Id` always, `X-Client-Request-Id` when the caller sent a
 * sane one, `X-D1-Bookmark` whenever D1 was touched, plus the ones named.
 */
export const responseHeaders = (...names: HeaderName[]) =>
  Object.fromEntries(
    (["X-Request-Id", "X-Client-Request-Id", "X-D1-Bookmark", ...names] as HeaderName[]).map((name) => [name, headerRef(name)]),
  );

/** For the responses a retried `Idempotency-Key` request can replay (the idempotency work uses it). */
export const IDEMPOTENT_REPLAY_HEADERS: HeaderName[] = ["Idempotent-Replayed"];

const DESCRIPTIONS: Record<number, string> = {
  400: "Bad input: validation failed, malformed JSON or an invalid cursor.",
  401: "Missing, malformed, unknown, expired or revoked credential (always the same body).",
  403: "Authenticated, but not allowed.",
  404: "Not found, or it belongs to another organization.",
  405: "Method not allowed on this path (`Allow` lists the ones it answers).",
  409: "Conflicts with the current state.",
  410: "Gone (expired).",
  413: "Body larger than the limit.",
  415: "Body is not application/json.",
  422: "The Idempotency-Key was already used with a different request.",
  429: "Rate limited; see Retry-After.",
  500: "Unexpected error (no internals are exposed).",
  503: "A storage dependency is briefly unavailable; retry after Retry-After seconds.",
};

const PROBLEM_HEADERS: Record<number, HeaderName[]> = {
  401: ["WWW-Authenticate"],
  405: ["Allow"],
  429: ["Retry-After"],
  503: ["Retry-After"],
};

const problem = (status: number) => ({
  description: DESCRIPTIONS[status] ?? "Error",
  headers: responseHeaders(...(PROBLEM_HEADERS[status] ?? [])),
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/**
 * The error responses every route can give, spread into each route's `responses`: 400, 500, 503,
 * and 405 (every path answers it for the methods it does not serve), plus the route's own.
 */
export function errorResponses(...statuses: number[]) {
  const all = new Set([400, 405, 500, 503, ...statuses]);
  return Object.fromEntries([...all].sort().map((s) => [s, problem(s)])) as Record<number, ReturnType<typeof problem>>;
}

/** Responses of every authenticated route, plus the route's own. */
export const authErrors = (...statuses: number[]) => errorResponses(401, 403, ...statuses);

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string, ...headers: HeaderName[]) => ({
  description,
  headers: responseHeaders(...headers),
  content: { "application/json": { schema } },
});

/** A response without a body (204, or a 202 with nothing to say). */
export const emptyResponse = (description: string, ...headers: HeaderName[]) => ({ description, headers: responseHeaders(...headers) });

/**
 * A registered schema, or null at this use site only: `anyOf [{$ref}, {type: null}]`. (`.nullable()`
 * on a registered schema makes the component itself nullable everywhere it is referenced.)
 */
export const nullableRef = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

interface ComponentRegistry {
  registerComponent(type: "headers" | "securitySchemes" | "parameters", name: string, component: object): unknown;
}

/** The optional `X-Request-Id` request header every operation takes (a `components.parameters` entry). */
export const CLIENT_REQUEST_ID_PARAMETER = {
  name: "x-request-id",
  in: "header",
  required: false,
  description: `The caller's own correlation id (${CLIENT_REQUEST_ID_RULE}). Echoed back as \`X-Client-Request-Id\` and logged beside the server's id; the response's \`X-Request-Id\`, the events and the audit log always carry the server's own. Anything else is ignored.`,
  schema: { type: "string", pattern: CLIENT_REQUEST_ID_PATTERN, example: "checkout-7f3a9c" },
} as const;

/**
 * The optional `x-d1-bookmark` request header every read (`GET`) operation takes: read at least
 * as fresh as this bookmark (docs/api-conventions.md, "Read replicas and bookmarks").
 */
export const BOOKMARK_PARAMETER = {
  name: BOOKMARK_HEADER,
  in: "header",
  required: false,
  description:
    "A D1 bookmark from an earlier response's `X-D1-Bookmark`: this read is served at least as fresh as it (read your own writes on any replica). A value not shaped like a D1 bookmark is a 400. Writes always run on the primary, so only reads declare it; browsers need not send it (the `d1_bookmark` cookie does the same).",
  schema: { type: "string", pattern: BOOKMARK.source },
} as const;

/** The document's shared components that no zod schema produces: security schemes, headers and parameters. */
export function registerOpenApiComponents(registry: ComponentRegistry) {
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An organization API key (`ork_…`), created with POST /api/organizations/api-keys.",
  });
  registry.registerComponent("securitySchemes", "session", {
    type: "http",
    scheme: "bearer",
    description: "A session token (`sst_…`) from sign-up, sign-in or accepting an invitation.",
  });
  registry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "session",
    description: "The same session token as an HttpOnly cookie (browsers).",
  });
  for (const [name, header] of Object.entries(HEADER_COMPONENTS)) registry.registerComponent("headers", name, header);
  registry.registerComponent("parameters", "X-Request-Id", CLIENT_REQUEST_ID_PARAMETER);
  registry.registerComponent("parameters", "X-D1-Bookmark", BOOKMARK_PARAMETER);
}
