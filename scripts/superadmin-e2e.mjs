#!/usr/bin/env node
// End-to-end check of `npm run superadmin` against a running dev server (`npm run test:cli`).
//
// The vitest suite runs inside workerd and cannot spawn processes, so this runs in Node: it applies
// the migrations, starts `wrangler dev` on 127.0.0.1:8791 over the project's default local state (the
// one `npm run dev` uses), signs a fresh user up over HTTP, and runs the real CLI while the server
// is up. Everything is bounded (90 s overall) and the server's process group is always killed.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const PROJECT_DIR = fileURLToPath(new URL("..", import.meta.url));
const BASE = "http://127.0.0.1:8791";
const startedAt = Date.now();
let server;
let serverLog = "";

const log = (message) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function stopServer() {
  if (!server || server.exitCode !== null) return;
  try {
    process.kill(-server.pid, "SIGTERM"); // the whole group: npx, wrangler and workerd
  } catch {
    // already gone
  }
}

async function stopServerAndWait() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  stopServer();
  if ((await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)])) === false) {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function runSync(command, args) {
  return spawnSync(command, args, { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
}

function superadmin(...args) {
  const result = runSync(process.execPath, ["scripts/superadmin.mjs", ...args]);
  log(`superadmin ${args.join(" ")} → exit ${result.status}: ${(result.stdout + result.stderr).trim()}`);
  return result;
}

async function api(method, path, { token, body } = {}) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
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
  const busy = await fetch(`${BASE}/api/health`).then(() => true, () => false);
  check(!busy, `${BASE} is already taken; stop whatever listens there first.`);

  log("applying local D1 migrations");
  const migrated = runSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"]);
  check(migrated.status === 0, `migrations failed:\n${migrated.stderr || migrated.stdout}`);

  log("starting wrangler dev on 127.0.0.1:8791");
  server = spawn("npx", ["wrangler", "dev", "--port", "8791", "--ip", "127.0.0.1", "--inspector-port", "0", "--show-interactive-dev-session=false"], {
    cwd: PROJECT_DIR,
    detached: true, // its own process group, so one kill reaches workerd too
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.on("data", (chunk) => (serverLog += chunk));
  server.stderr.on("data", (chunk) => (serverLog += chunk));
  for (let ready = false; !ready; await sleep(250)) {
    check(server.exitCode === null, "wrangler dev exited early");
    check(Date.now() - startedAt < 45_000, "wrangler dev did not answer within 45 s");
    ready = await fetch(`${BASE}/api/health`).then((r) => r.ok, () => false);
  }
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

  check(superadmin(email).status === 0, "grant failed");
  log(`the running server sees isSuperAdmin = true after ${await waitForFlag(token, true)} s`);
  const list = await api("GET", "/api/organizations", { token });
  check(list.status === 200 && Array.isArray(list.body.data), `GET /api/organizations after the grant → ${list.status}`);
  log(`GET /api/organizations → 200 (${list.body.data.length} organizations on the first page)`);

  check(superadmin("--revoke", email).status === 0, "revoke failed");
  log(`the running server sees isSuperAdmin = false after ${await waitForFlag(token, false)} s`);
  const after = await api("GET", "/api/organizations", { token });
  check(after.status === 403, `GET /api/organizations after the revoke → ${after.status}`);
  log("GET /api/organizations → 403");

  check(superadmin(`nobody.${Date.now().toString(36)}@example.com`).status === 1, "an unknown email must exit 1");
  check(superadmin("robert'); DROP TABLE users;--@example.com").status === 2, "a malformed email must exit 2");
  check((await api("GET", "/api/auth/session", { token })).status === 200, "the users table must still be there");
}

const watchdog = setTimeout(() => {
  console.error("FAIL: over the 90 s budget");
  stopServer();
  process.exit(1);
}, 90_000);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => (stopServer(), process.exit(130)));

try {
  await main();
  log("PASS");
  process.exitCode = 0;
} catch (error) {
  console.error(`FAIL: ${error.message}`);
  if (serverLog) console.error(`--- wrangler dev output (last 3000 chars) ---\n${serverLog.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await stopServerAndWait();
  clearTimeout(watchdog);
}
