import { deleteCookie } from "hono/cookie";
import { createRouter, ctxOf } from "../router";
import { clientIp, clientOf } from "../../lib/client-info";
import * as operations from "./auth.operations";
import * as sessions from "../../services/auth/sessions";
import * as verification from "../../services/auth/email-verification";
import * as reset from "../../services/auth/password-reset";
import { changePassword } from "../../services/auth/password-change";
import { SESSION_COOKIE, setSessionCookie } from "../../middleware/auth";

export const authRouter = createRouter(operations, () => import("./auth.routes"))
  .openapi("signUp", async (c) => {
    const result = await sessions.signUp({ ctx: ctxOf(c), input: c.req.valid("json"), client: clientOf(c) });
    setSessionCookie(c, result.session);
    return c.json(result, 201);
  })
  .openapi("signIn", async (c) => {
    const result = await sessions.signIn({ ctx: ctxOf(c), input: c.req.valid("json"), client: clientOf(c) });
    if ("session" in result) setSessionCookie(c, result.session);
    return c.json(result, 200);
  })
  .openapi("signOut", async (c) => {
    await sessions.signOut({ ctx: ctxOf(c) });
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.body(null, 204);
  })
  .openapi("getSession", (c) => c.json(sessions.sessionView({ ctx: ctxOf(c) }), 200))
  .openapi("switchOrganization", async (c) => c.json(await sessions.switchOrganization({ ctx: ctxOf(c), input: c.req.valid("json") }), 200))
  .openapi("requestEmailVerification", async (c) => {
    await verification.requestEmailVerification({ ctx: ctxOf(c) });
    return c.json({ message: verification.EMAIL_VERIFICATION_QUEUED }, 202);
  })
  .openapi("confirmEmailVerification", async (c) =>
    c.json(await verification.confirmEmailVerification({ ctx: ctxOf(c), input: c.req.valid("json") }), 200),
  )
  .openapi("requestPasswordReset", async (c) => {
    await reset.requestPasswordReset({ ctx: ctxOf(c), input: c.req.valid("json"), clientIp: clientIp(c) });
    return c.json({ message: reset.PASSWORD_RESET_ACCEPTED }, 202);
  })
  .openapi("confirmPasswordReset", async (c) => {
    await reset.confirmPasswordReset({ ctx: ctxOf(c), input: c.req.valid("json") });
    return c.body(null, 204);
  })
  .openapi("changePassword", async (c) => {
    await changePassword({ ctx: ctxOf(c), input: c.req.valid("json") });
    return c.body(null, 204);
  })
  .openapi("listSessions", async (c) => c.json(await sessions.listSessions({ ctx: ctxOf(c), input: c.req.valid("query") }), 200))
  .openapi("revokeSession", async (c) => {
    await sessions.revokeSession({ ctx: ctxOf(c), input: c.req.valid("param") });
    return c.body(null, 204);
  });
