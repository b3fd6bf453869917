import { env } from "cloudflare:test";
import { buildContext } from "../../src/context";
import type { Env } from "../../src/env";
import type { RequestContext } from "../../src/context";

/** A service context outside a request, for the invalidation calls a test makes after a direct D1 write. */
export function testContext(): RequestContext {
  const pending: Promise<unknown>[] = [];
  return buildContext({ env: env as Env, requestId: "req_test", waitUntil: (promise) => void pending.push(promise) });
}
