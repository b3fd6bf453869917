import { createMiddleware } from "hono/factory";
import { getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { AppBindings, RequestContext } from "../context";
import { parseToken } from "../lib/tokens";
import { ApiError, forbidden } from "../lib/errors";
import { admit, bearerToken } from "../services/auth/admit";
import type { Principal } from "../services/auth/principal";
import { meterTraffic } from "./traffic";

export const SESSION_COOKIE = "session";

/** Browsers may carry the session as an HttpOnly cookie (the invitation page does). */
export function setSessionCookie(c: Context, session: { token: string; expiresAt: string }) {
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    expires: new Date(session.expiresAt),
  });
}

/**
 * The credential a request carries: the bearer token, else the browser's session cookie. The
 * cookie carries a session and nothing else: any other token in it (an API key a script put
 * there) is refused as a bad credential, so a key can never ride along with a browser's requests.
 */
function credentialOf(c: Context): { token: string | null; sent: boolean } {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) return { token: bearerToken(authorization), sent: true };
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie === undefined) return { token: null, sent: false };
  return { token: parseToken(cookie) === "session" ? cookie : null, sent: true };
}

/** The session in the browser's cookie (for the HTML pages), or null — also when an admission rule refuses it. */
export async function cookieSession(c: Context, ctx: RequestContext): Promise<Principal | null> {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie || parseToken(cookie) !== "session") return null;
  // The same admission as the API (services/auth/admit.ts); a page treats a refused session as none.
  return admit(ctx, cookie).catch((error: unknown) => {
    if (error instanceof ApiError) return null;
    throw error;
  });
}

/**
 * Authenticates the request and allows only the given credential kinds. Every failure is the
 * same 401; a credential of a kind the route does not take (an API key on a session-only
 * route) is a 403, since it *is* valid.
 */
export const requireAuth = (...kinds: Principal["kind"][]) =>
  createMiddleware<AppBindings>(async (c, next) => {
    const { token } = credentialOf(c);
    // The same admission as the Authorizer RPC (services/auth/admit.ts).
    const principal = await admit(c.get("ctx"), token);
    if (!kinds.includes(principal.kind)) {
      throw forbidden(
        principal.kind === "api_key" ? "This endpoint needs a user session; API keys cannot use it." : "This endpoint needs an API key.",
      );
    }
    c.get("ctx").principal = principal;
    await meterTraffic(c, principal, next);
  });

/**
 * For routes that work with or without a session (accepting an invitation): no credential means
 * an anonymous caller, but a credential that is sent must be valid.
 */
export const optionalAuth = createMiddleware<AppBindings>(async (c, next) => {
  const { token, sent } = credentialOf(c);
  if (sent) {
    const principal = await admit(c.get("ctx"), token);
    c.get("ctx").principal = principal;
    return meterTraffic(c, principal, next);
  }
  await next();
});
