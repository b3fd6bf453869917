import { z } from "@hono/zod-openapi";
import { ERROR_CODES, type ErrorCode } from "./errors";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://docs.tours-events.example/errors/validation_failed" }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: "timezone: Unknown IANA time zone." }),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    requestId: z.string().openapi({ example: "req_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details. `code` is stable and machine-readable." });

const DESCRIPTIONS: Record<number, string> = {
  400: "Bad input: validation failed, malformed JSON or an invalid cursor.",
  401: "Missing, malformed, unknown, expired or revoked credential (always the same body).",
  403: "Authenticated, but not allowed.",
  404: "Not found, or it belongs to another organization.",
  405: "Method not allowed on this path.",
  409: "Conflicts with the current state.",
  410: "Gone (expired).",
  413: "Body larger than the limit.",
  415: "Body is not application/json.",
  422: "The Idempotency-Key was already used with a different request.",
  429: "Rate limited; see Retry-After.",
  500: "Unexpected error (no internals are exposed).",
  503: "A storage dependency is briefly unavailable; retry after Retry-After seconds.",
};

const problem = (status: number) => ({
  description: DESCRIPTIONS[status] ?? "Error",
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The error responses every route can give, spread into each route's `responses`. */
export function errorResponses(...statuses: number[]) {
  const all = new Set([400, 500, 503, ...statuses]);
  return Object.fromEntries([...all].sort().map((s) => [s, problem(s)])) as Record<number, ReturnType<typeof problem>>;
}

/** Responses of every authenticated route, plus the route's own. */
export const authErrors = (...statuses: number[]) => errorResponses(401, 403, ...statuses);

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export type SecurityRequirement = Record<string, string[]>;
export const SECURITY_API_KEY_OR_SESSION: SecurityRequirement[] = [{ apiKey: [] }, { session: [] }, { sessionCookie: [] }];
export const SECURITY_SESSION: SecurityRequirement[] = [{ session: [] }, { sessionCookie: [] }];
