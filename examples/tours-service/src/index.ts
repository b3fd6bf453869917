import { Hono } from "hono";

/**
 * The tours service: a sibling Worker that gates its routes on the platform permissions the
 * Organizations API's roles grant (PLATFORM_PERMISSIONS), by asking its `Authorizer` entrypoint.
 * Its answer already carries the status and problem code to send: pass refusals through.
 */

/** What `Authorizer.authorize` answers (API.md §10). */
interface AuthorizeResult {
  allowed: boolean;
  status: 200 | 401 | 403 | 429;
  code?: string;
  principal?: { type: "api_key" | "session"; id: string; userId?: string };
  organization?: { id: string; name: string };
  role?: { id: string; name: string };
  permissions?: string[];
}

interface Env {
  /** [[services]] binding = "ORGANIZATIONS" … entrypoint = "Authorizer" (wrangler.toml). */
  ORGANIZATIONS: { authorize(input: { authorization?: string | null; permission?: string }): Promise<AuthorizeResult> };
}

type Variables = { authorized: AuthorizeResult };

const TITLES: Record<number, string> = { 401: "Unauthenticated", 403: "Forbidden", 429: "Too many requests" };

/** Middleware: the caller's Authorization header must grant `permission` in its organization. */
const requirePermission =
  (permission: string) => async (c: import("hono").Context<{ Bindings: Env; Variables: Variables }>, next: () => Promise<void>) => {
    const result = await c.env.ORGANIZATIONS.authorize({ authorization: c.req.header("authorization") ?? null, permission });
    if (!result.allowed) {
      const status = result.status === 200 ? 403 : result.status;
      return c.body(
        JSON.stringify({
          type: "about:blank",
          title: TITLES[status] ?? "Error",
          status,
          code: result.code ?? "forbidden",
          detail:
            status === 403
              ? `This needs the ${permission} permission.`
              : "Send a valid API key or session token as Authorization: Bearer <token>.",
        }),
        status,
        { "content-type": "application/problem+json", ...(status === 401 ? { "www-authenticate": 'Bearer realm="tours"' } : {}) },
      );
    }
    c.set("authorized", result);
    await next();
  };

// A tour catalogue per organization would live in this service's own storage; two fixed tours stand in for it.
const TOURS = [
  { id: "tour_matterhorn", name: "Matterhorn at dawn" },
  { id: "tour_lakeside", name: "Lakeside by night" },
];

const app = new Hono<{ Bindings: Env; Variables: Variables }>();

app.get("/health", (c) => c.json({ ok: true }));

app.get("/tours", requirePermission("tours.read"), (c) => {
  const { organization, principal } = c.get("authorized");
  return c.json({ organization, principal, data: TOURS });
});

export default app;
