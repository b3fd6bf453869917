import { requireAuth } from "../middleware/auth";
import { SECURITY_API_KEY_OR_SESSION, SECURITY_SESSION } from "../lib/openapi";

/**
 * How a route authenticates, in one value that sets both the enforcement (middleware) and what the
 * OpenAPI document says (security): the two cannot drift apart. Spread into `createRoute`.
 */
export const API_KEY_OR_SESSION = { security: SECURITY_API_KEY_OR_SESSION, middleware: [requireAuth("api_key", "session")] };
export const SESSION_ONLY = { security: SECURITY_SESSION, middleware: [requireAuth("session")] };
