#!/usr/bin/env node
// Auth hot-path benchmark: throughput of authenticated reads against an unauthenticated baseline,
// all measured in the same run against a private `wrangler dev` (loopback only, temp state).
//
//   npm run bench                      # defaults: 3 rounds × 4 targets, 3 s each, 16 in flight
//   npm run bench -- --duration 2 --concurrency 8 --rounds 3 --strict
//
// No dependencies beyond Node 22 itself. See bench/README.md.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = "127.0.0.1";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const BAR = 0.8; // warm API-key /me must reach this fraction of the baseline's throughput
const HEALTH_TIMEOUT_MS = 60_000;
const MIGRATE_TIMEOUT_MS = 60_000;
const HARD_DEADLINE_MS = 110_000; // the whole run stops itself before 2 minutes, whatever happens

// ---------------------------------------------------------------------------------------------
// Flags

function parseArgs(argv) {
  const opts = { duration: 3, warmup: 1, concurrency: 16, rounds: 3, port: 8799, strict: false, verbose: false };
  const numeric = { "--duration": "duration", "--warmup": "warmup", "--concurrency": "concurrency", "--rounds": "rounds", "--port": "port" };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    if (arg.includes("=")) [arg, value] = [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)];
    if (arg === "--strict") opts.strict = true;
    else if (arg === "--verbose") opts.verbose = true;
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: node bench/auth-bench.mjs [--duration s] [--warmup s] [--concurrency n] [--rounds n] [--port n] [--strict] [--verbose]");
      process.exit(0);
    } else if (numeric[arg]) {
      value ??= argv[++i];
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) fail(`${arg} needs a positive number, got ${JSON.stringify(value)}`);
      opts[numeric[arg]] = n;
    } else fail(`unknown argument ${JSON.stringify(arg)} (try --help)`);
  }
  opts.concurrency = Math.max(1, Math.floor(opts.concurrency));
  opts.rounds = Math.max(1, Math.floor(opts.rounds));
  const budget = 4 * opts.warmup + opts.rounds * 4 * (opts.duration + rewarmSeconds(opts));
  if (budget > 75) fail(`the measurement would take ~${budget.toFixed(0)} s: keep it under 75 s so the whole run stays under 2 minutes`);
  return opts;
}

/** Short re-warm before each measured round (the previous round drove another target). */
const rewarmSeconds = (opts) => Math.min(opts.warmup, 0.5);

function fail(message) {
  console.error(`auth-bench: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// wrangler dev, owned by this process (its own process group, killed as a group)

let devServer = null;
let stateDir = null;

function killGroup(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopDevServer() {
  const child = devServer;
  devServer = null;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    clearTimeout(timer);
    // wrangler's children (workerd) share the group: sweep whatever is left.
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // group empty
    }
  }
  if (stateDir) {
    rmSync(stateDir, { recursive: true, force: true });
    stateDir = null;
  }
}

// Last-resort cleanup on a synchronous exit path (uncaught error, process.exit elsewhere).
process.on("exit", () => {
  if (devServer) {
    try {
      process.kill(-devServer.pid, "SIGKILL");
    } catch {}
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\nauth-bench: ${signal}, stopping wrangler`);
    stopDevServer().finally(() => process.exit(130));
  });
}

function tail(buffer, lines = 30) {
  return buffer.split("\n").slice(-lines).join("\n");
}

function runWrangler(args, { timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: wranglerEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      killGroup(child, "SIGKILL");
      reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} timed out after ${timeoutMs / 1000} s\n${tail(output)}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} exited with ${code ?? signal}\n${tail(output)}`));
    });
  });
}

function wranglerEnv() {
  return {
    ...process.env,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

function startDevServer(port, inspectorPort, verbose) {
  const args = [
    "dev",
    "--local",
    "--ip", HOST,
    "--port", String(port),
    "--inspector-ip", HOST,
    "--inspector-port", String(inspectorPort),
    "--persist-to", stateDir,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--log-level", verbose ? "log" : "warn",
  ];
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: wranglerEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  devServer = child;
  child.log = "";
  const keep = (d) => {
    child.log = (child.log + d).slice(-20_000);
    if (verbose) process.stderr.write(d);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return child;
}

async function waitForHealth(base, child) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited early (${child.exitCode ?? child.signalCode})\n${tail(child.log)}`);
    }
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (error) {
      last = String(error.cause?.code ?? error.message);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`GET /api/health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last})\n${tail(child.log)}`);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function freePort(preferred) {
  for (let port = preferred; port < preferred + 50; port++) if (await portIsFree(port)) return port;
  throw new Error(`no free port in ${preferred}..${preferred + 49} on ${HOST}`);
}

// ---------------------------------------------------------------------------------------------
// Setup: an account, its organization, an Admin API key

async function api(base, method, pathname, { token, body } = {}) {
  const headers = { "cf-connecting-ip": HOST, accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${pathname}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

function expectStatus(what, res, status) {
  if (res.status !== status) {
    throw new Error(`setup: ${what} answered ${res.status}, expected ${status}: ${res.text.slice(0, 500)}`);
  }
}

async function setup(base) {
  const email = `bench-${randomBytes(6).toString("hex")}@example.com`;
  const signUp = await api(base, "POST", "/api/auth/sign-up", {
    body: { email, password: "bench-password-123", name: "Bench" },
  });
  expectStatus("POST /api/auth/sign-up", signUp, 201);
  const sessionToken = signUp.json?.session?.token;
  if (typeof sessionToken !== "string") throw new Error(`setup: sign-up body has no session.token: ${signUp.text.slice(0, 500)}`);

  const created = await api(base, "POST", "/api/organizations/api-keys", {
    token: sessionToken,
    body: { name: "bench", role: "Admin" },
  });
  expectStatus("POST /api/organizations/api-keys", created, 201);
  const apiKey = created.json?.key;
  if (typeof apiKey !== "string") throw new Error(`setup: api-key body has no key: ${created.text.slice(0, 500)}`);
  return { email, sessionToken, apiKey };
}

// ---------------------------------------------------------------------------------------------
// Load generator: a fixed number of requests in flight on keep-alive sockets

function makeTarget(name, pathname, token, expected) {
  const headers = { "cf-connecting-ip": HOST, accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return { name, pathname, headers, expected, rates: [], latencies: [], errors: 0, samples: [] };
}

function request(agent, port, target) {
  return new Promise((resolve) => {
    const req = http.request({ host: HOST, port, path: target.pathname, method: "GET", headers: target.headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode }));
      res.on("error", (error) => resolve({ status: 0, error }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("request timed out after 10 s")));
    req.on("error", (error) => resolve({ status: 0, error }));
    req.end();
  });
}

/** Runs `concurrency` request loops for `seconds`; returns req/s and (when measuring) latencies. */
async function drive(agent, port, target, seconds, concurrency, measure) {
  const endAt = performance.now() + seconds * 1000;
  let completed = 0;
  const latencies = [];
  const worker = async () => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      const { status, error } = await request(agent, port, target);
      const t1 = performance.now();
      if (status !== target.expected) {
        target.errors++;
        if (target.samples.length < 3) target.samples.push(error ? String(error.message ?? error) : `HTTP ${status}`);
      }
      if (t1 <= endAt) {
        // Only requests that finished inside the window count toward throughput.
        completed++;
        if (measure) latencies.push(t1 - t0);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Math.min(performance.now(), endAt) - started) / 1000;
  return { rate: completed / elapsed, latencies };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r, ri) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ") + (ri === 0 ? `\n${widths.map((w) => "-".repeat(w)).join("  ")}` : ""))
    .join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = Date.now();
  const deadline = setTimeout(() => {
    console.error(`auth-bench: hard deadline (${HARD_DEADLINE_MS / 1000} s) reached, stopping`);
    stopDevServer().finally(() => process.exit(1));
  }, HARD_DEADLINE_MS);
  deadline.unref();

  stateDir = mkdtempSync(path.join(os.tmpdir(), "auth-bench-"));
  const port = await freePort(opts.port);
  const inspectorPort = await freePort(port + 1000);
  const base = `http://${HOST}:${port}`;

  console.log(`auth-bench: node ${process.version}, ${os.cpus().length} CPUs, state in ${stateDir}`);
  console.log(`auth-bench: applying migrations (local, --persist-to ${stateDir}) …`);
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], { timeoutMs: MIGRATE_TIMEOUT_MS });

  console.log(`auth-bench: starting wrangler dev on ${base} …`);
  const child = startDevServer(port, inspectorPort, opts.verbose);
  await waitForHealth(base, child);
  console.log(`auth-bench: ready after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  const creds = await setup(base);
  console.log(`auth-bench: signed up ${creds.email}, created an Admin API key`);

  const targets = [
    makeTarget("GET /api/health (baseline, no auth)", "/api/health", null, 200),
    makeTarget("GET /api/organizations/me (API key, warm)", "/api/organizations/me", creds.apiKey, 200),
    makeTarget("GET /api/organizations/me (malformed key, 401)", "/api/organizations/me", "ork_notARealKey", 401),
    makeTarget("GET /api/organizations/me (session, warm)", "/api/organizations/me", creds.sessionToken, 200),
  ];

  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency });
  try {
    // Warm-up: fills the isolate cache for both credentials and opens the keep-alive sockets.
    for (const target of targets) await drive(agent, port, target, opts.warmup, opts.concurrency, false);
    console.log(
      `auth-bench: ${opts.rounds} interleaved rounds × ${targets.length} targets, ${opts.duration} s each (after ${opts.warmup} s warm-up), ${opts.concurrency} in flight`,
    );
    for (let round = 1; round <= opts.rounds; round++) {
      const line = [];
      for (const target of targets) {
        await drive(agent, port, target, rewarmSeconds(opts), opts.concurrency, false);
        const { rate, latencies } = await drive(agent, port, target, opts.duration, opts.concurrency, true);
        target.rates.push(rate);
        for (const l of latencies) target.latencies.push(l);
        line.push(rate.toFixed(0));
      }
      console.log(`  round ${round}: ${line.join(" / ")} req/s`);
    }
  } finally {
    agent.destroy();
  }

  const baseline = median(targets[0].rates);
  // "vs baseline": median req/s ÷ the baseline's median req/s (the verdict uses this).
  // "paired": median over rounds of (this round's req/s ÷ the baseline's req/s in the same round),
  // a cross-check that is less sensitive to a noisy neighbour slowing one whole round.
  const rows = [["target", "median req/s", "vs baseline", "paired", "p50 ms", "p99 ms", "errors"]];
  for (const t of targets) {
    const sorted = Float64Array.from(t.latencies).sort();
    const med = median(t.rates);
    const paired = median(t.rates.map((r, i) => r / targets[0].rates[i]));
    rows.push([
      t.name,
      med.toFixed(0),
      `${(med / baseline).toFixed(2)}×`,
      `${paired.toFixed(2)}×`,
      percentile(sorted, 50).toFixed(2),
      percentile(sorted, 99).toFixed(2),
      String(t.errors),
    ]);
  }
  console.log("");
  console.log(table(rows));
  console.log("");

  const totalErrors = targets.reduce((n, t) => n + t.errors, 0);
  const ratio = median(targets[1].rates) / baseline;
  const pass = ratio >= BAR;
  console.log(`verdict: warm API-key /api/organizations/me = ${ratio.toFixed(2)}× baseline (bar ≥ ${BAR.toFixed(2)}×): ${pass ? "PASS" : "BELOW BAR"}`);
  console.log(`auth-bench: total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  if (totalErrors > 0) {
    for (const t of targets) if (t.errors) console.error(`auth-bench: ${t.name}: ${t.errors} unexpected responses (expected ${t.expected}), e.g. ${t.samples.join("; ")}`);
    return 1;
  }
  if (!pass && opts.strict) return 1;
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`auth-bench: ${error?.stack ?? error}`);
  code = 1;
} finally {
  await stopDevServer();
}
process.exit(code);
