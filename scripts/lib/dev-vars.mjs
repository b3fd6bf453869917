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
});

/** DEV_VARS as `wrangler dev` arguments (`--var KEY:VALUE`; wrangler splits at the first colon). */
export const devVarArgs = (vars = DEV_VARS) => Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
