import { createRouter, ctxOf } from "../router";
import * as routes from "./tokens.routes";
import * as tokens from "../../services/platform/access-tokens";

export const tokensRouter = createRouter()
  .openapi(routes.createAccessToken, async (c) => {
    c.header("cache-control", "no-store");
    return c.json(await tokens.issueAccessToken({ ctx: ctxOf(c) }), 200);
  })
  .openapi(routes.getJwks, async (c) => {
    c.header("cache-control", "public, max-age=300");
    // Public keys, no credentials: any origin may read them (a browser verifying a token).
    c.header("access-control-allow-origin", "*");
    return c.json(await tokens.publicKeys({ ctx: ctxOf(c) }), 200);
  });
