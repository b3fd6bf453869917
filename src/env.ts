import type { Database } from "./db/client";
import type { Logger } from "./lib/log";
import type { Principal } from "./services/auth/principal";
import type { EventRecorder } from "./services/events/recorder";

/** Bindings and vars of the worker (wrangler.toml, .dev.vars). */
export interface Env {
  DB: D1Database;
  AUTH_CACHE: KVNamespace;
  EMAILS: Queue<unknown>;
  /** Event fan-out and webhook deliveries (services/webhooks/). */
  WEBHOOKS: Queue<unknown>;
  RATE_LIMIT_IP: RateLimit;
  RATE_LIMIT_EMAIL: RateLimit;
  RATE_LIMIT_ORG: RateLimit;
  RATE_LIMIT_EMAIL_SEND: RateLimit;
  /** Sends to webhook receivers on request (POST …/test, …/retry), per organization. */
  RATE_LIMIT_WEBHOOK_SENDS: RateLimit;
  ENVIRONMENT: string;
  APP_URL: string;
  /** Comma-separated exact origins allowed to call /api/* from a browser; empty = none. */
  CORS_ORIGINS?: string;
  EMAIL_PROVIDER: string;
  EMAIL_FROM: string;
  RESEND_API_KEY?: string;
  SEND_EMAIL?: SendEmail;
  /** Secret: encrypts webhook signing secrets at rest. Required outside development. */
  WEBHOOK_SECRET_KEY?: string;
  /**
   * Secret, only during a rotation of WEBHOOK_SECRET_KEY: the key it replaces. It still opens what it
   * sealed until the scheduled upkeep has re-sealed every row under the new key (then remove it).
   */
  WEBHOOK_SECRET_KEY_PREVIOUS?: string;
  /** Days events are kept before the Cron Trigger prunes them (default 90). */
  EVENT_RETENTION_DAYS?: string;
}

/**
 * Everything a service needs for one request (or queue message). Built by `buildContext` in
 * src/context.ts, per invocation (no module-global clients: only small Map caches live at module
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
