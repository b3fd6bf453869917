// The check of the deploy defaults, checked: `node --test scripts/check-deploy-defaults.test.mjs`
// (part of `npm run check:deploy-defaults`). It must pass the repository's wrangler.toml and fail —
// non-zero, naming each setting — on a config with development settings at its top level.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { developmentSettings, printedVars } from "./check-deploy-defaults.mjs";
import { DEV_VARS } from "./lib/dev-vars.mjs";
import { ROOT } from "./lib/dev-server.mjs";

const CHECK = path.join(ROOT, "scripts", "check-deploy-defaults.mjs");
const TOML = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const PRODUCTION_VARS = {
  ENVIRONMENT: "production",
  APP_URL: "https://api.tours-events.example",
  CORS_ORIGINS: "",
  EMAIL_PROVIDER: "resend",
  EMAIL_FROM: "Tours & Events <no-reply@tours-events.example>",
  EVENT_RETENTION_DAYS: "90",
};

/** wrangler.toml with its top-level [vars] values replaced or added. */
function withVars(overrides) {
  const section = /^\[vars\]\n([\s\S]*?)(?=^\[)/m.exec(TOML);
  assert.ok(section, "wrangler.toml has a top-level [vars] section");
  let vars = section[1];
  for (const [name, value] of Object.entries(overrides)) {
    const line = `${name} = ${JSON.stringify(value)}`;
    const existing = new RegExp(`^${name} = .*$`, "m");
    vars = existing.test(vars) ? vars.replace(existing, line) : `${vars}${line}\n`;
  }
  return TOML.replace(section[0], `[vars]\n${vars}`);
}

// A throwaway project beside the real one: the config's relative paths (main, assets, aliases,
// migrations) resolve through links to the real folders; only wrangler.toml differs.
const dirs = [];
function projectWith(toml) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "deploy-defaults-test-"));
  dirs.push(dir);
  for (const name of ["src", "public", "migrations", "node_modules", "package.json", "tsconfig.json"])
    symlinkSync(path.join(ROOT, name), path.join(dir, name));
  writeFileSync(path.join(dir, "wrangler.toml"), toml);
  return path.join(dir, "wrangler.toml");
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const runCheck = (config) => spawnSync(process.execPath, [CHECK, "--config", config], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });

describe("check-deploy-defaults", () => {
  it("passes the repository's wrangler.toml", () => {
    const result = runCheck(path.join(ROOT, "wrangler.toml"));
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /ships production \(ENVIRONMENT=production, EMAIL_PROVIDER=resend/);
  });

  it("fails, naming each one, on a config with the development vars at its top level", () => {
    const result = runCheck(projectWith(withVars(DEV_VARS)));
    assert.equal(result.status, 1, result.stderr + result.stdout);
    assert.match(result.stderr, /ENVIRONMENT is "development", not "production"/);
    assert.match(result.stderr, /EMAIL_PROVIDER is "outbox"/);
    assert.match(result.stderr, /APP_URL is "http:\/\/localhost:8787"/);
    assert.match(result.stderr, /EMAIL_FROM holds the development value/);
    assert.match(result.stderr, /the dry run's bindings show ENVIRONMENT "development"/);
  });

  it("fails on a fixed key in the config", () => {
    const result = runCheck(projectWith(withVars({ WEBHOOK_SECRET_KEY: "a-fixed-key" })));
    assert.equal(result.status, 1, result.stderr + result.stdout);
    assert.match(result.stderr, /WEBHOOK_SECRET_KEY has a value in the config/);
    assert.doesNotMatch(result.stderr, /ENVIRONMENT is/);
  });

  it("fails with 3 when wrangler cannot build the config", () => {
    const result = runCheck(projectWith(TOML.replace('main = "src/index.ts"', 'main = "src/missing.ts"')));
    assert.equal(result.status, 3, result.stderr + result.stdout);
  });
});

describe("developmentSettings", () => {
  it("finds nothing in the production vars", () => {
    assert.deepEqual(developmentSettings(PRODUCTION_VARS), []);
    assert.deepEqual(developmentSettings({ ...PRODUCTION_VARS, EMAIL_PROVIDER: "cloudflare" }), []);
  });

  it("names every development setting on its own", () => {
    const one = (overrides) => developmentSettings({ ...PRODUCTION_VARS, ...overrides });
    assert.equal(one({ ENVIRONMENT: "development" }).length, 1);
    assert.equal(one({ ENVIRONMENT: undefined }).length, 1);
    assert.equal(one({ ENVIRONMENT: "staging" }).length, 1);
    assert.equal(one({ EMAIL_PROVIDER: "outbox" }).length, 1);
    assert.equal(one({ EMAIL_PROVIDER: "smtp" }).length, 1);
    for (const url of [
      "http://api.tours-events.example",
      "https://localhost",
      "https://api.localhost:8787",
      "https://127.0.0.1",
      "https://[::1]",
      "not a url",
    ]) {
      assert.equal(one({ APP_URL: url }).length, 1, url);
    }
    assert.equal(one({ EMAIL_FROM: DEV_VARS.EMAIL_FROM }).length, 1);
    assert.equal(one({ RESEND_API_KEY: "re_123" }).length, 1);
    assert.deepEqual(one({ RESEND_API_KEY: "" }), []);
  });

  it("reads the dry run's printed vars, shortened values included", () => {
    const output =
      'env.DB (tours)   D1 Database\nenv.ENVIRONMENT ("production")      Environment Variable\nenv.EMAIL_FROM ("Tours & Events <no-reply@tours-events...")     Environment Variable\n';
    assert.deepEqual(printedVars(output), { ENVIRONMENT: "production", EMAIL_FROM: "Tours & Events <no-reply@tours-events" });
  });
});
