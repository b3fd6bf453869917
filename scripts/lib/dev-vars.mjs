// Development mode, in one place. wrangler.toml's top level is production — what a plain
// `wrangler deploy` ships — so development is these vars laid over it, by the only things that
// run the Worker locally: `npm run dev` (scripts/dev.mjs), the scripts' own `wrangler dev`
// (scripts/lib/dev-server.mjs: benchmarks, browser, CLI, client and webhook end-to-end checks)
// and the tests (vitest.config.ts, as miniflare bindings). scripts/check-deploy-defaults.mjs
// fails CI if any of these values reaches the production config.
//
// Only what differs from production belongs here; secrets go in .dev.vars (never committed).

/** The vars development lays over wrangler.toml's top level. */
export const DEV_VARS = Object.freeze({
  // Turns on what only development has: /api/dev/* (the outbox holds every emailed link), http://
  // webhooks to localhost, email links that follow a local request's port, the fixed development
  // webhook key when WEBHOOK_SECRET_KEY is unset.
  ENVIRONMENT: "development",
  APP_URL: "http://localhost:8787",
  // Emails land in D1, readable at GET /api/dev/outbox.
  EMAIL_PROVIDER: "outbox",
  EMAIL_FROM: "Tours & Events <no-reply@tours-events.test>",
  // API-key usage leaves each request's isolate right after its response (production collects 10 s).
  USAGE_FLUSH_SECONDS: "0",
  // The platform's own permissions, as a tours-and-bookings platform would declare them
  // (docs/platform-authorization.md); examples/tours-service gates GET /tours on tours.read.
  PLATFORM_PERMISSIONS: "tours.read,tours.write,bookings.read,bookings.refund",
  // The fixed development signing keys of access tokens (current first, previous second). Public
  // here, so worthless anywhere else: the Worker refuses a `development-*` kid outside development,
  // and production's keys come from `wrangler secret put JWT_SIGNING_KEYS`.
  JWT_SIGNING_KEYS: JSON.stringify([
    {
      kid: "development-1",
      kty: "EC",
      crv: "P-256",
      x: "jPJQf6q5W7AcP8He-3aP7uR-JJ6cbzbxsZZ9glofNmg",
      y: "hrx3vC8-gYJRs5ZiN4wV7T2AsqEs2KI8AnA-3U0yRGM",
      d: "RmyytKP-SoMxb28CIH-BxW7k0fSRX7vYl7D7lPGMusE",
    },
    {
      kid: "development-0",
      kty: "EC",
      crv: "P-256",
      x: "sQcgps8MJEEc6rhFGm0qPQaFRPjRaRXB5147IUwRqxU",
      y: "ZhdI7NrXhbugqlyjUg8YNUQRnKVYrnRcVOI9tN1YA3M",
      d: "hCVubu0XfMBjFAYaUdCFXpE7JmflbRv5nlhm6LWuymw",
    },
  ]),
});

/** DEV_VARS as `wrangler dev` arguments (`--var KEY:VALUE`; wrangler splits at the first colon). */
export const devVarArgs = (vars = DEV_VARS) => Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
