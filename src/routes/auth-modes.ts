import { optionalAuth, requireAuth } from "../middleware/auth";
import type { Permission } from "../domain/permissions";

export type SecurityRequirement = Record<string, string[]>;
/**
 * What the document offers (docs/api-conventions.md, "Which routes offer the cookie"): the
 * `sessionCookie` alternative only on the user's own session routes, the ones a browser on this
 * site calls (sign-up/in/out, the session, email verification, password reset and change, the
 * user's invitations and accepting them); the organization's API and the Super Admin routes
 * document Bearer only, so a generated client never sends a token as a cookie there. It describes,
 * it does not gate: the auth middleware accepts the cookie wherever it accepts a session.
 */
export const SECURITY_API_KEY_OR_SESSION: SecurityRequirement[] = [{ apiKey: [] }, { session: [] }];
export const SECURITY_SESSION: SecurityRequirement[] = [{ session: [] }, { sessionCookie: [] }];
export const SECURITY_SESSION_BEARER: SecurityRequirement[] = [{ session: [] }];

/**
 * How a route authenticates and what it requires, in one value spread into its operation
 * (`defineOperation`, a group's `*.operations.ts`). It sets
 * the enforcement of the credential kind (middleware), what the OpenAPI document says (security),
 * and — as an operation extension in the document — what the caller must hold:
 *
 * - `x-permission`: a catalog permission (`users.read`, …);
 * - `x-required-role`: `Admin` (the caller's role resolves to the system Admin) or `super_admin`
 *   (the platform flag, session only);
 * - `x-email-verified`: a session caller's address must be verified (403 `email_not_verified`
 *   otherwise). On a session-only route that is every caller; on a route that also takes API keys,
 *   keys are unaffected (an organization's key has no address, and only verified users create one).
 *
 * The declaration is documentation and the input of the auth matrix test
 * (test/app/access-matrix.test.ts); the enforcement stays the first line of each service
 * (`requirePermission`, `requireAdminRole`, `requireSuperAdmin`, `requireVerifiedEmailToArm`). The matrix proves the two agree.
 * Every route declares one of these, the public ones included.
 */
export const publicRoute = () => ({ security: [] as SecurityRequirement[] });

/** Works without a credential, but a credential that is sent must be a valid session. */
export const optionalSession = () => ({ security: [...SECURITY_SESSION, {}], middleware: [optionalAuth] });

/** A user session only (an API key is a 403); no permission beyond being signed in. */
export const sessionOnly = () => ({ security: SECURITY_SESSION, middleware: [requireAuth("session")] });

/**
 * A user session whose email address is verified (`x-email-verified`): what is addressed to an
 * address is shown only to whoever proved they own it (403 `email_not_verified` otherwise; the
 * service enforces it).
 */
export const verifiedSession = () => ({ ...sessionOnly(), "x-email-verified": true as const });

/**
 * Spread beside a mode on the routes that create what acts or reaches beyond the organization (API
 * keys, webhook endpoints, invitations): a session caller must have a verified address; the
 * service enforces it with `requireVerifiedEmailToArm` ("an unproven account arms nothing").
 */
export const verifiedToArm = () => ({ "x-email-verified": true as const });

/** An API key or a session, acting in its organization, with no permission beyond membership. */
const apiKeyOrSessionMode = () => ({ security: SECURITY_API_KEY_OR_SESSION, middleware: [requireAuth("api_key", "session")] });

/** An API key or a session, acting in its organization; `permission` is what its role must grant. */
export function apiKeyOrSession(): ReturnType<typeof apiKeyOrSessionMode>;
export function apiKeyOrSession<P extends Permission>(permission: P): ReturnType<typeof apiKeyOrSessionMode> & { "x-permission": P };
export function apiKeyOrSession(permission?: Permission) {
  return permission ? { ...apiKeyOrSessionMode(), "x-permission": permission } : apiKeyOrSessionMode();
}

/** "Role: Admin": an API key or a session whose role resolves to the system Admin. */
export const adminRole = () => ({ ...apiKeyOrSession(), "x-required-role": "Admin" as const });

/** Platform staff: a session of a user with the Super Admin flag (never an API key). */
export const superAdmin = () => ({ ...sessionOnly(), security: SECURITY_SESSION_BEARER, "x-required-role": "super_admin" as const });

/**
 * A creating POST that accepts `Idempotency-Key`: marks the route's auth mode `x-idempotent`. The
 * router (routes/router.ts) registers such a route with the idempotency middleware after
 * authentication (records are scoped to the principal), checking the route's declared
 * requirements before any replay; the mark also lets a test check every creating POST declares it.
 * Its contract takes the header (`IdempotencyKeyHeaders`, routes/idempotency.ts).
 */
export function idempotent<M extends { security: unknown[] }>(mode: M) {
  return { ...mode, "x-idempotent": true as const };
}
