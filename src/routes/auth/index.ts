import { deleteCookie } from "hono/cookie";
import { createRouter, ctxOf, clientIp } from "../router";
import * as routes from "./auth.routes";
import * as sessions from "../../services/auth/sessions";
import { SESSION_COOKIE, setSessionCookie } from "../../middleware/auth";

export const authRouter = createRouter()
  .openapi(routes.signUp, async (c) => {
    const result = await sessions.signUp({ ctx: ctxOf(c), input: c.req.valid("json"), clientIp: clientIp(c) });
    setSessionCookie(c, result.session);
    return c.json(result, 201);
  })
  .openapi(routes.signIn, async (c) => {
    const result = await sessions.signIn({ ctx: ctxOf(c), input: c.req.valid("json"), clientIp: clientIp(c) });
    setSessionCookie(c, result.session);
    return c.json(result, 200);
  })
  .openapi(routes.signOut, async (c) => {
    await sessions.signOut({ ctx: ctxOf(c) });
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.body(null, 204);
  })
  .openapi(routes.getSession, (c) => c.json(sessions.sessionView({ ctx: ctxOf(c) }), 200))
  .openapi(routes.switchOrganization, async (c) =>
    c.json(await sessions.switchOrganization({ ctx: ctxOf(c), input: c.req.valid("json") }), 200),
  );
