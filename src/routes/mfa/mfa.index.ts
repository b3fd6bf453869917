import { createRouter, ctxOf } from "../router";
import { clientOf } from "../../lib/client-info";
import { setSessionCookie } from "../../middleware/auth";
import * as operations from "./mfa.operations";
import { confirmTotp, disableTotp, enrollTotp } from "../../services/mfa/enrollment";
import { completeMfaSignIn } from "../../services/mfa/sign-in";

export const mfaRouter = createRouter(operations, () => import("./mfa.routes"))
  .openapi("enrollTotp", async (c) => c.json(await enrollTotp({ ctx: ctxOf(c), input: c.req.valid("json") }), 201))
  .openapi("confirmTotp", async (c) => c.json(await confirmTotp({ ctx: ctxOf(c), input: c.req.valid("json") }), 200))
  .openapi("disableTotp", async (c) => {
    await disableTotp({ ctx: ctxOf(c), input: c.req.valid("json") });
    return c.body(null, 204);
  })
  .openapi("signInWithMfa", async (c) => {
    const result = await completeMfaSignIn({ ctx: ctxOf(c), input: c.req.valid("json"), userAgent: clientOf(c).userAgent });
    setSessionCookie(c, result.session);
    return c.json(result, 200);
  });
