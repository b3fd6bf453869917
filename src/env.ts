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
  /** Integration traffic (docs/integration-traffic.md): one binding per API-key tier, keyed by key id… */
  RATE_LIMIT_KEY_LOW: RateLimit;
  RATE_LIMIT_KEY_STANDARD: RateLimit;
  RATE_LIMIT_KEY_HIGH: RateLimit;
  /** …and one for sessions, keyed by user id. */
  RATE_LIMIT_SESSIONS: RateLimit;
  /** API-key usage counts, flushed from each isolate and summed by the consumer (services/traffic/). */
  USAGE: Queue<unknown>;
  /** Seconds an isolate collects usage counts before it sends them (default 10; development 0). */
  USAGE_FLUSH_SECONDS?: string;
  /** `off` turns the traffic limits off, honoured only when ENVIRONMENT=development (the benchmark's baseline). */
  TRAFFIC_LIMITS?: string;
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
  /**
   * Secret: encrypts users' TOTP secrets at rest (services/mfa/totp.ts). Required outside
   * development, where a missing key makes enrolling and signing in with a code fail loudly.
   */
  TOTP_SECRET_KEY?: string;
  /** Secret, only during a rotation of TOTP_SECRET_KEY: the key it replaces (still opens what it sealed). */
  TOTP_SECRET_KEY_PREVIOUS?: string;
  /** Per user: creating organizations (POST /api/organizations). */
  RATE_LIMIT_ORG_CREATE: RateLimit;
  /** Per user: second-factor codes (sign-in with a code, enrolling, disabling, deleting the account). */
  RATE_LIMIT_MFA: RateLimit;
  /**
   * The platform's own permissions, comma-separated `resource.action` (e.g. "tours.read,tours.write"):
   * roles grant them beside the built-ins (domain/permissions.ts, docs/platform-authorization.md).
   */
  PLATFORM_PERMISSIONS?: string;
  /**
   * Secret: the private keys that sign access tokens (POST /api/auth/token), a JSON array of EC P-256
   * JWKs with `kid`, the current one first, the previous one second (docs/platform-authorization.md).
   * Required outside development.
   */
  JWT_SIGNING_KEYS?: string;
  /** Days events are kept before the Cron Trigger prunes them (default 90). */
  EVENT_RETENTION_DAYS?: string;
}
