import { createRouter, ctxOf } from "../router";
import * as operations from "./tokens.operations";
import * as tokens from "../../services/platform/access-tokens";

export const tokensRouter = createRouter(operations, () => import("./tokens.routes"))
  .openapi("createAccessToken", async (c) => {
    c.header("cache-control", "no-store");
    return c.json(await tokens.issueAccessToken({ ctx: ctxOf(c) }), 200);
  })
  .openapi("getJwks", async (c) => {
    c.header("cache-control", "public, max-age=300");
    // Public keys, no credentials: any origin may read them (a browser verifying a token).
    c.header("access-control-allow-origin", "*");
    return c.json(await tokens.publicKeys({ ctx: ctxOf(c) }), 200);
  });
