import { createMiddleware } from "hono/factory";
import { getCookie } from "hono/cookie";
import type { AppBindings } from "../context";
import { ApiError } from "../lib/errors";
import { appOrigin } from "../lib/app-url";
import { SESSION_COOKIE } from "./auth";

/** Methods that change nothing: no CSRF check, and reads that may go to a replica. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origin (scheme, host, port) our own pages are served from: APP_URL's, or in development a local request's own. */
const siteOrigin = (env: AppBindings["Bindings"], requestUrl: string) => new URL(appOrigin(env, requestUrl)).origin;

/**
 * Cross-site request forgery: a browser attaches the session cookie to requests that another
 * site's page makes. So a request that would be authenticated by the cookie (no Authorization
 * header) and changes something (any method but GET/HEAD/OPTIONS) must show it comes from our own
 * pages: `Origin` equal to APP_URL's origin, or `Sec-Fetch-Site: same-origin`. Otherwise 403
 * `csrf_rejected`, before anything runs. Bearer requests are unaffected: no browser adds a header
 * on its own. This covers the API and the HTML forms alike.
 */
export const csrfGuard = createMiddleware<AppBindings>(async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method) && c.req.header("authorization") === undefined && getCookie(c, SESSION_COOKIE) !== undefined) {
    const origin = c.req.header("origin");
    const sameOrigin = c.req.header("sec-fetch-site") === "same-origin";
    if (!sameOrigin && origin !== siteOrigin(c.env, c.req.url)) {
      throw new ApiError(
        "csrf_rejected",
        "This request carries the session cookie but does not come from this site's own pages. Use Authorization: Bearer from other origins.",
      );
    }
  }
  await next();
});
