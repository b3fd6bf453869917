#!/usr/bin/env node
// End-to-end check of `npm run superadmin` against a running dev server (`npm run test:cli`).
//
// The vitest suite runs inside workerd and cannot spawn processes, so this runs in Node: it applies
// the migrations, starts `wrangler dev` on 127.0.0.1 (8791, or the next free port) over the project's
// default local state (the one `npm run dev` uses), signs a fresh user up over HTTP, and runs the
// real CLI while the server is up: refused while the address is unverified (exit 4, nothing
// changed), granted once the emailed link verified it. Everything is bounded (120 s overall) and
// the server's process group is always killed (scripts/lib/dev-server.mjs).
import { spawnSync } from "node:child_process";
import { api as apiCall, ROOT, startDevServer } from "./lib/dev-server.mjs";

const startedAt = Date.now();
let server;

const log = (message) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stopServer = () => (server ? server.stop() : Promise.resolve());

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function superadmin(...args) {
  const result = spawnSync(process.execPath, ["scripts/superadmin.mjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
  log(`superadmin ${args.join(" ")} → exit ${result.status}: ${(result.stdout + result.stderr).trim()}`);
  return result;
}

const api = (method, path, options = {}) => apiCall(server.base, method, path, { ...options, timeoutMs: 5_000 });

/** Confirms `email` with the verification link the EMAILS consumer put in the dev outbox. */
async function verifyAddress(email, limitMs = 20_000) {
  const from = Date.now();
  while (Date.now() - from < limitMs) {
    const outbox = await api("GET", `/api/dev/outbox?to=${encodeURIComponent(email)}`);
    check(outbox.status === 200, `GET /api/dev/outbox → ${outbox.status}`);
    const token = outbox.body.data.map((m) => /\/verify-email\/(vet_[0-9A-Za-z]+)/.exec(m.text)?.[1]).find(Boolean);
    if (token) {
      const confirmed = await api("POST", "/api/auth/email-verification/confirm", { body: { token } });
      check(confirmed.status === 200 && confirmed.body.user.emailVerified === true, `confirming the address → ${confirmed.status}`);
      return;
    }
    await sleep(500);
  }
  throw new Error(`no verification email for ${email} within ${limitMs / 1000} s`);
}

/** Polls GET /api/auth/session until isSuperAdmin is `expected`; returns the seconds it took. */
async function waitForFlag(token, expected, limitMs = 20_000) {
  const from = Date.now();
  while (Date.now() - from < limitMs) {
    const session = await api("GET", "/api/auth/session", { token });
    check(session.status === 200, `GET /api/auth/session → ${session.status}`);
    if (session.body.isSuperAdmin === expected) return (Date.now() - from) / 1000;
    await sleep(500);
  }
  throw new Error(`isSuperAdmin did not become ${expected} within ${limitMs / 1000} s`);
}

async function main() {
  server = await startDevServer({
    port: 8791,
    persistTo: null,
    healthTimeoutMs: 45_000,
    onStep: (step, { base }) => log(step === "migrate" ? "applying local D1 migrations" : `starting wrangler dev on ${new URL(base).host}`),
  });
  log("server is up");

  // Mixed case on purpose: the CLI must normalize the way sign-up does.
  const email = `CLI.${Date.now().toString(36)}@Example.com`;
  const signUp = await api("POST", "/api/auth/sign-up", { body: { email, password: "a-strong-password", name: "Cli Check" } });
  check(signUp.status === 201, `sign-up → ${signUp.status} ${JSON.stringify(signUp.body)}`);
  const token = signUp.body.session.token;
  const session = await api("GET", "/api/auth/session", { token });
  check(session.status === 200 && session.body.isSuperAdmin === false, `GET /api/auth/session → ${JSON.stringify(session.body)}`);
  const before = await api("GET", "/api/organizations", { token });
  check(before.status === 403, `GET /api/organizations before the grant → ${before.status}`);
  log(`signed up ${email}; isSuperAdmin false and GET /api/organizations → 403 (the user is now cached by the server)`);

  // An address nobody has proved: the grant is refused (exit 4, a message on stderr) and changes nothing.
  const refused = superadmin(email);
  check(refused.status === 4, `a grant to an unverified account must exit 4, got ${refused.status}`);
  check(
    /not verified/.test(refused.stderr) && refused.stdout === "",
    `the refusal must explain itself on stderr: ${JSON.stringify(refused.stderr)}`,
  );
  const stillRefused = await api("GET", "/api/organizations", { token });
  check(stillRefused.status === 403, `GET /api/organizations after the refused grant → ${stillRefused.status}`);
  check((await api("GET", "/api/auth/session", { token })).body.isSuperAdmin === false, "the refused grant must leave isSuperAdmin false");
  log("the grant to the unverified account was refused (exit 4) and GET /api/organizations is still 403");

  // The owner proves the address with the emailed link (from the dev outbox), then the grant works.
  await verifyAddress(email.toLowerCase());
  log("verified the address through the emailed link");

  // Platform routes read the flag fresh from D1: the grant and the revoke count on the very next request.
  check(superadmin(email).status === 0, "grant failed");
  const list = await api("GET", "/api/organizations", { token });
  check(list.status === 200 && Array.isArray(list.body.data), `GET /api/organizations right after the grant → ${list.status}`);
  log(`GET /api/organizations right after the grant → 200 (${list.body.data.length} organizations on the first page)`);
  log(`GET /api/auth/session shows isSuperAdmin = true after ${await waitForFlag(token, true)} s (display only, from the cache)`);

  check(superadmin("--revoke", email).status === 0, "revoke failed");
  const after = await api("GET", "/api/organizations", { token });
  check(after.status === 403, `GET /api/organizations right after the revoke → ${after.status}`);
  log("GET /api/organizations right after the revoke → 403");
  log(`GET /api/auth/session shows isSuperAdmin = false after ${await waitForFlag(token, false)} s`);

  // --revoke works on any account, a verified address or not.
  const unproven = `cli.unproven.${Date.now().toString(36)}@example.com`;
  check(
    (await api("POST", "/api/auth/sign-up", { body: { email: unproven, password: "a-strong-password", name: "Cli Unproven" } })).status ===
      201,
    "second sign-up failed",
  );
  check(superadmin("--revoke", unproven).status === 0, "--revoke on an unverified account must exit 0");

  check(superadmin(`nobody.${Date.now().toString(36)}@example.com`).status === 1, "an unknown email must exit 1");
  check(superadmin("robert'); DROP TABLE users;--@example.com").status === 2, "a malformed email must exit 2");
  check((await api("GET", "/api/auth/session", { token })).status === 200, "the users table must still be there");
}

const watchdog = setTimeout(() => {
  console.error("FAIL: over the 120 s budget");
  stopServer().finally(() => process.exit(1));
}, 120_000);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopServer().finally(() => process.exit(130)));

try {
  await main();
  log("PASS");
  process.exitCode = 0;
} catch (error) {
  console.error(`FAIL: ${error.message}`);
  const serverLog = server?.log();
  if (serverLog) console.error(`--- wrangler dev output (last 3000 chars) ---\n${serverLog.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await stopServer();
  clearTimeout(watchdog);
}
