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
  /** HTTP only: the caller's own sane `X-Request-Id`, logged beside ours as `clientRequestId`, never used as ours. */
  clientRequestId?: string;
  /** The request's URL (HTTP only): email links follow a local dev server's port (lib/app-url.ts). */
  requestUrl?: string;
  /**
   * HTTP only: `ctx.db` is a D1 session (Sessions API). A read request's session may read from the
   * nearest replica, at least as fresh as `bookmark` (the client's last one), or anywhere when there
   * is none. A write request's session starts on the primary ("first-primary"), so the reads its
   * decisions rest on are fresh. Without it (queue, scheduled, tests) `ctx.db` is the primary.
   */
  replicaReads?: { bookmark: string | null; write: boolean };
};

/**
 * The one way a service context is made: by the HTTP middleware, the queue consumer (one per
 * message), a scheduled handler and the tests. Nothing here is module-global: D1 and KV come
 * from this invocation's `env`.
 */
export function buildContext(input: BuildContextInput): RequestContext {
  const { env, waitUntil } = input;
  const requestId = "requestId" in input ? input.requestId : input.messageId;
  let primary: Database | undefined;
  let session: D1DatabaseSession | undefined;
  let db: Database | undefined;
  const primaryDb = () => (primary ??= createDb(env.DB));
  const log = createLogger("requestId" in input ? { requestId, clientRequestId: input.clientRequestId } : { messageId: requestId });
  const ctx: RequestContext = {
    env,
    requestId,
    requestUrl: input.requestUrl,
    // Built on first use: the warm authenticated path never needs D1.
    get db() {
      if (!input.replicaReads) return primaryDb();
      // drizzle drives a D1 session like the database itself (prepare, batch); writes in it go to the
      // primary and later reads in the same session see them.
      return (db ??= createDb(this.d1));
    },
    get primary() {
      return primaryDb();
    },
    get d1() {
      if (!input.replicaReads) return env.DB;
      const { bookmark, write } = input.replicaReads;
      return (session ??= env.DB.withSession(write ? "first-primary" : (bookmark ?? "first-unconstrained"))) as unknown as D1Database;
    },
    bookmark: () => session?.getBookmark() ?? null,
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
