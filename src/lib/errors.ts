import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Stable machine codes, each with its HTTP status. */
export const ERROR_CODES = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  webhook_url_forbidden: 400,
  unauthenticated: 401,
  mfa_code_invalid: 401,
  forbidden: 403,
  mfa_required: 403,
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
  idempotency_key_in_progress: 409,
  limit_reached: 409,
  endpoint_disabled: 409,
  delivery_succeeded: 409,
  sole_admin: 409,
  mfa_not_enabled: 409,
  mfa_already_enabled: 409,
  no_active_organization: 404,
  invitation_expired: 410,
  idempotency_key_reused: 422,
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
  webhook_url_forbidden: "Webhook URL forbidden",
  unauthenticated: "Unauthenticated",
  mfa_code_invalid: "Code invalid",
  forbidden: "Forbidden",
  mfa_required: "MFA required",
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
  idempotency_key_in_progress: "Idempotent request in progress",
  idempotency_key_reused: "Idempotency key reused",
  limit_reached: "Limit reached",
  endpoint_disabled: "Endpoint disabled",
  delivery_succeeded: "Delivery already succeeded",
  sole_admin: "Sole Admin",
  mfa_not_enabled: "MFA not enabled",
  mfa_already_enabled: "MFA already enabled",
  no_active_organization: "No active organization",
  invitation_expired: "Invitation expired",
  token_expired: "Link expired",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  internal_error: "Internal server error",
  service_unavailable: "Service unavailable",
};

/** What each code means and what the client can do about it: the error catalog at /docs/errors. */
export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  validation_failed:
    "The request's path, query or body broke a rule (a missing or unknown field, a bad value). `errors` lists each problem with its `path`.",
  invalid_json: "The body is not well-formed JSON.",
  invalid_cursor: "The `cursor` is not one this API issued. Start again from the first page.",
  webhook_url_forbidden:
    "The webhook URL names an address on this side of the internet (loopback, private, link-local, CGNAT, unique-local, multicast, reserved, in any spelling) or a name that resolves only inside a network (`localhost`, `.local`, `.internal`, `.home.arpa`, a single label). Use a public https:// host.",
  unauthenticated:
    "No credential, or one that is malformed, unknown, expired, revoked or signed out. Every case gets this same body, with `WWW-Authenticate`.",
  mfa_code_invalid:
    "The TOTP or recovery code is wrong, was already used, or the sign-in's `mfaToken` is unknown, expired, used or has had 5 wrong codes (then sign in with the password again). 401 when signing in; 400 when confirming an enrollment; 403 when a code guards an account change (disabling MFA, deleting the account).",
  mfa_required:
    "The organization requires a second factor and this session's user has none. Enroll with POST /api/auth/mfa/totp (the account routes still work), or switch to another organization.",
  forbidden:
    "The credential is valid but may not do this: its role lacks the permission, the route needs a session (not an API key), the Admin role or a Super Admin, or the change would grant more than the caller holds.",
  email_not_verified:
    "The session's email address is not verified. Until it is, invitations addressed to it stay hidden, and the account cannot create API keys, webhook endpoints or invitations. Use the emailed link, or POST /api/auth/email-verification for a new one.",
  csrf_rejected:
    "A state-changing request authenticated by the session cookie came from another site (Origin/Sec-Fetch-Site). Send `Authorization: Bearer` instead, or call from the same origin.",
  current_password_incorrect: "The current password given to change it is wrong.",
  not_found: "Nothing here: the resource does not exist, belongs to another organization, or the link was used or replaced.",
  method_not_allowed: "The path exists, but not under this method. `Allow` lists the methods it answers.",
  conflict: "The change conflicts with the resource's current state (e.g. resending an accepted invitation).",
  email_taken: "An account already uses this email address. Sign in, or reset its password.",
  already_member: "The invited address already belongs to a member of the organization.",
  invitation_pending: "A pending invitation to this address exists already: resend it instead.",
  last_admin: "The organization must keep at least one Admin: the last one cannot be demoted or removed.",
  role_in_use: "The role is still held by a member, an API key or a pending invitation.",
  role_name_reserved:
    "`Admin` cannot be shadowed, a custom role cannot take a system role's name, and a shadow cannot be renamed away from it.",
  role_name_taken: "The organization already has a role of this name (case-insensitive).",
  email_already_verified: "The address is verified already; there is nothing to send.",
  idempotency_key_in_progress:
    "A request with this `Idempotency-Key` is still running. Retry after `Retry-After` seconds to get its response.",
  limit_reached: "An organization may have at most 20 webhook endpoints. Delete one first.",
  endpoint_disabled: "The webhook endpoint is disabled: re-enable it (PATCH enabled: true) before sending to it.",
  delivery_succeeded: "This delivery already succeeded: the receiver has it (dedupe on `webhook-id`). Nothing was queued.",
  sole_admin:
    "The account is the only Admin of organizations that have other members (named in `detail`). Make another member Admin there, or leave them, before deleting the account.",
  mfa_not_enabled: "Requiring MFA in an organization takes an Admin who has MFA enabled: enroll first (POST /api/auth/mfa/totp).",
  mfa_already_enabled:
    "The account already has a confirmed TOTP second factor. Disable it first (DELETE /api/auth/mfa/totp) to enroll a new device.",
  idempotency_key_reused:
    "This `Idempotency-Key` was used with a different request (method, path or body) in the last 24 hours. Use a new key for a new request.",
  no_active_organization:
    "The session's active organization was deleted, or its membership removed. Switch with PUT /api/auth/session/organization.",
  invitation_expired: "The invitation's link has expired. Ask for it to be resent.",
  token_expired: "The emailed link (verification or password reset) has expired. Ask for a new one.",
  payload_too_large: "The body is larger than 64 KiB.",
  unsupported_media_type: "The body is not `application/json`.",
  rate_limited:
    "Too many requests for this client, address, organization, API key (its `rateLimit` tier) or user (all of its sessions). `RateLimit-Policy` names the limit. Wait `Retry-After` seconds.",
  internal_error: "Something failed on our side. Nothing internal is shown; quote the `requestId`.",
  service_unavailable: "A storage dependency is briefly unavailable. Retry after `Retry-After` seconds.",
};

/** Where the error catalog lives on this server (a page of the Worker). */
export const ERROR_CATALOG_PATH = "/docs/errors";

/**
 * A problem's `type`: the code's entry in this server's error catalog. A relative reference (RFC
 * 9457 §3.1.1 resolves it against the request's URL), so it points at the deployment that answered.
 */
export const errorTypeUri = (code: ErrorCode) => `${ERROR_CATALOG_PATH}#${code}`;

/** Every code with its status, title and meaning, in declaration order. */
export const errorCatalog = () =>
  (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => ({
    code,
    status: ERROR_CODES[code],
    title: TITLES[code],
    description: ERROR_DESCRIPTIONS[code],
  }));

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
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; status?: ContentfulStatusCode } = {},
  ) {
    super(detail);
    this.name = "ApiError";
    // A code keeps one status, except where the contract gives it another in one place
    // (mfa_code_invalid: 401 signing in, 400 confirming an enrollment, 403 guarding a change).
    this.status = extra.status ?? ERROR_CODES[code];
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

export function problemBody(
  code: ErrorCode,
  detail: string,
  requestId: string,
  errors?: FieldError[],
  status: number = ERROR_CODES[code],
): ProblemBody {
  return {
    type: errorTypeUri(code),
    title: TITLES[code],
    status,
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
  extra: { errors?: FieldError[]; headers?: Record<string, string>; status?: ContentfulStatusCode } = {},
): Response {
  const status = extra.status ?? ERROR_CODES[code];
  return new Response(JSON.stringify(problemBody(code, detail, requestId, extra.errors, status)), {
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
