import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Stable machine codes, each with its HTTP status. */
export const ERROR_CODES = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  unauthenticated: 401,
  forbidden: 403,
  email_not_verified: 403,
  csrf_rejected: 403,
  current_password_incorrect: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  already_member: 409,
  invitation_pending: 409,
  last_admin: 409,
  role_in_use: 409,
  role_name_reserved: 409,
  role_name_taken: 409,
  email_already_verified: 409,
  limit_reached: 409,
  endpoint_disabled: 409,
  no_active_organization: 404,
  invitation_expired: 410,
  token_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_CODES;

const TITLES: Record<ErrorCode, string> = {
  validation_failed: "Validation failed",
  invalid_json: "Malformed JSON body",
  invalid_cursor: "Invalid cursor",
  unauthenticated: "Unauthenticated",
  forbidden: "Forbidden",
  email_not_verified: "Email not verified",
  csrf_rejected: "Cross-site request rejected",
  current_password_incorrect: "Current password incorrect",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  email_taken: "Email already registered",
  already_member: "Already a member",
  invitation_pending: "Invitation already pending",
  last_admin: "Last admin",
  role_in_use: "Role in use",
  role_name_reserved: "Role name reserved",
  role_name_taken: "Role name taken",
  email_already_verified: "Email already verified",
  limit_reached: "Limit reached",
  endpoint_disabled: "Endpoint disabled",
  no_active_organization: "No active organization",
  invitation_expired: "Invitation expired",
  token_expired: "Link expired",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  internal_error: "Internal server error",
  service_unavailable: "Service unavailable",
};

export interface FieldError {
  path: string;
  message: string;
}

/** The one error type of the app; `onError` turns it into problem+json. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "ApiError";
    this.status = ERROR_CODES[code];
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
}

export function problemBody(code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): ProblemBody {
  return {
    type: `https://docs.tours-events.example/errors/${code}`,
    title: TITLES[code],
    status: ERROR_CODES[code],
    detail,
    code,
    requestId,
    ...(errors ? { errors } : {}),
  };
}

/** RFC 9110 §11.6.1: every 401 names the scheme that would authenticate the request. */
export const WWW_AUTHENTICATE = 'Bearer realm="api"';

export function problemResponse(
  code: ErrorCode,
  detail: string,
  requestId: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const status = ERROR_CODES[code];
  return new Response(JSON.stringify(problemBody(code, detail, requestId, extra.errors)), {
    status,
    headers: {
      "content-type": "application/problem+json",
      "x-request-id": requestId,
      ...(status === 401 ? { "www-authenticate": WWW_AUTHENTICATE } : {}),
      ...extra.headers,
    },
  });
}

/** The single 401 every bad credential gets: missing, malformed, unknown, revoked, expired. */
export const UNAUTHENTICATED_DETAIL = "A valid API key or session is required.";
export const unauthenticated = () => new ApiError("unauthenticated", UNAUTHENTICATED_DETAIL);
export const notFound = (what: string) => new ApiError("not_found", `${what} not found.`);
export const forbidden = (detail: string) => new ApiError("forbidden", detail);
