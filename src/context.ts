import { createDb, type Database } from "./db/client";
import type { Env, RequestContext } from "./env";
import { createLogger } from "./lib/log";
import { createEventRecorder } from "./services/events/recorder";

/** What identifies the unit of work: stamped on every log line as `requestId` or `messageId`. */
export type ContextOrigin = { requestId: string } | { messageId: string };

export type BuildContextInput = ContextOrigin & {
  env: Env;
  /** Runs work after the response (KV writes, lastUsedAt). */
  waitUntil: (promise: Promise<unknown>) => void;
  /** The request's URL (HTTP only): email links follow a local dev server's port (lib/app-url.ts). */
  requestUrl?: string;
};

/**
 * The one way a service context is made: by the HTTP middleware, the queue consumer (one per
 * message), a scheduled handler and the tests. Nothing here is module-global: D1 and KV come
 * from this invocation's `env`.
 */
export function buildContext(input: BuildContextInput): RequestContext {
  const { env, waitUntil } = input;
  const requestId = "requestId" in input ? input.requestId : input.messageId;
  let db: Database | undefined;
  const log = createLogger("requestId" in input ? { requestId } : { messageId: requestId });
  const ctx: RequestContext = {
    env,
    requestId,
    requestUrl: input.requestUrl,
    // Built on first use: the warm authenticated path never needs D1.
    get db() {
      return (db ??= createDb(env.DB));
    },
    waitUntil,
    log,
    events: createEventRecorder({
      db: () => ctx.db,
      requestId,
      // Read when an event is recorded: the auth middleware sets the principal after this runs.
      principal: () => ctx.principal,
      queue: () => env.WEBHOOKS,
      log,
    }),
  };
  return ctx;
}
