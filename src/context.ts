import { createDb, type Database } from "./db/client";
import type { Env } from "./env";
import { createLogger, type Logger } from "./lib/log";
import type { Principal } from "./services/auth/principal";
import { createEventRecorder, type EventRecorder } from "./services/events/recorder";

/**
 * Everything a service needs for one request (or queue message). Built by `buildContext`
 * below, per invocation (no module-global clients: only small Map caches live at module
 * scope, see src/cache/).
 */
export interface RequestContext {
  env: Env;
  /**
   * For reads that tolerate replica lag, and for writes (which always go to the primary; later reads
   * in the request see them). On HTTP requests a D1 session (read replicas, bookmarks).
   */
  db: Database;
  /** Always the primary: auth loaders, guards and fresh reads that must not be stale. */
  primary: Database;
  /** The raw D1 handle behind `db` (the request's session), for hot paths that prepare their own SQL. */
  d1: D1Database;
  /** The D1 bookmark of this request's session so far (null when it made no D1 call through `db`). */
  bookmark: () => string | null;
  /** The request id; for a queue message, the message id. */
  requestId: string;
  /** Structured logs stamped with the request (or message) id. */
  log: Logger;
  /** The request's URL; none in the queue consumer. Only `appUrl(ctx)` reads it (lib/app-url.ts). */
  requestUrl?: string;
  /** Runs work after the response (KV writes, lastUsedAt). */
  waitUntil: (promise: Promise<unknown>) => void;
  /** Set by the auth middleware on authenticated routes. */
  principal?: Principal;
  /** Records a change's event into the change's own batch (services/events/recorder.ts). */
  events: EventRecorder;
}

export type AppBindings = {
  Bindings: Env;
  Variables: {
    /** The server's own id of the request (`req_…`). */
    requestId: string;
    /** The caller's own `X-Request-Id`, when sane: echoed as `X-Client-Request-Id`, logged, never recorded as ours. */
    clientRequestId: string | undefined;
    ctx: RequestContext;
  };
};

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
