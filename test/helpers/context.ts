import { env } from "cloudflare:test";
import { createDb } from "../../src/db/client";
import type { Env, RequestContext } from "../../src/env";

/** A service context outside a request, for the invalidation calls a test makes after a direct D1 write. */
export function testContext(): RequestContext {
  const pending: Promise<unknown>[] = [];
  return {
    env: env as Env,
    db: createDb(env.DB),
    requestId: "req_test",
    waitUntil: (promise) => void pending.push(promise),
  };
}
