import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import type { Env } from "../../src/env";
import { Authorizer } from "../../src/index";
import type { AuthorizeInput } from "../../src/services/platform/authorizer";

/** One RPC as a sibling Worker makes it: the entrypoint class, called in this isolate, its waitUntil work awaited. */
export async function authorize(input: AuthorizeInput, withEnv: Env = env as Env) {
  const ctx = createExecutionContext();
  const result = await new Authorizer(ctx, withEnv).authorize(input);
  await waitOnExecutionContext(ctx);
  return result;
}

export const bearer = (token: string) => `Bearer ${token}`;
