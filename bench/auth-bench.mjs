#!/usr/bin/env node
// Auth hot-path benchmark: throughput of authenticated reads against an unauthenticated baseline,
// all measured in the same run against a private `wrangler dev` (loopback only, temp state).
//
//   npm run bench                      # defaults: 3 rounds × 4 targets, 3 s each, 16 in flight
//   npm run bench -- --duration 2 --concurrency 8 --rounds 3 --strict
//
// No dependencies beyond Node 22 itself. See bench/README.md.

import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { api, HOST, startDevServer } from "../scripts/lib/dev-server.mjs";
import { verifyThroughOutbox } from "../scripts/lib/verify-email.mjs";
import { BENCH_USER, BIG_ORG, SMALL_ORG, STATE_DIR } from "./seed.mjs";
import { writeWorkerOnlyConfig } from "./worker-only-config.mjs";

const BAR = 0.8; // warm API-key /me must reach this fraction of the baseline's throughput
const BARE_BAR = 0.6; // … and this fraction of a bare Worker's (the worker-only app: see bench/README.md)
const BARE_P99_BAR = 1.2; // … with a p99 at most this multiple of the bare Worker's
const HEALTH_TIMEOUT_MS = 60_000; // migrations are bounded by the lib (60 s)
const HARD_DEADLINE_MS = 300_000; // the whole run stops itself before 5 minutes, whatever happens
const LATENCY_SECONDS = 20; // the open-loop tail measurement's length (at least)
const LIST_BAR = 0.8; // a members page must reach this fraction of /api/dev/calibrate (one bare D1 query)

// ---------------------------------------------------------------------------------------------
// Flags

function parseArgs(argv) {
  const opts = { duration: 1, warmup: 0.5, concurrency: 8, rounds: 3, port: 8799, strict: false, verbose: false };
  const numeric = {
    "--duration": "duration",
    "--warmup": "warmup",
    "--concurrency": "concurrency",
    "--rounds": "rounds",
    "--port": "port",
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    if (arg.includes("=")) [arg, value] = [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)];
    if (arg === "--strict") opts.strict = true;
    else if (arg === "--verbose") opts.verbose = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: node bench/auth-bench.mjs [--duration s] [--warmup s] [--concurrency n] [--rounds n] [--port n] [--strict] [--verbose]",
      );
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
  const budget =
    TARGET_COUNT * (opts.warmup + opts.rounds * (opts.duration + rewarmSeconds(opts))) +
    Math.max(LATENCY_SECONDS, opts.rounds * opts.duration);
  if (budget > 240) fail(`the measurement would take ~${budget.toFixed(0)} s: keep it under 240 s so the whole run stays under 5 minutes`);
  return opts;
}

/** Short re-warm before each measured round (the previous round drove another target). */
const rewarmSeconds = (opts) => Math.min(opts.warmup, 0.3);
const TARGET_COUNT = 42; // upper bound of the targets below, for the time budget

function fail(message) {
  console.error(`auth-bench: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// wrangler dev, owned by this process (scripts/lib/dev-server.mjs: own process group, temp state)

let server = null;
let bareServer = null;
let workerOnlyServer = null;
const stopServer = () => Promise.all([server, bareServer, workerOnlyServer].map((s) => (s ? s.stop() : null)));

// An exit while wrangler is still starting is covered by the lib's own exit handler.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\nauth-bench: ${signal}, stopping wrangler`);
    stopServer().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Setup: an account, its organization, an Admin API key

const call = (base, method, pathname, options = {}) =>
  api(base, method, pathname, { ...options, headers: { accept: "application/json" }, timeoutMs: 15_000 });

function expectStatus(what, res, status) {
  if (res.status !== status) {
    throw new Error(`setup: ${what} answered ${res.status}, expected ${status}: ${res.text.slice(0, 500)}`);
  }
}

async function setup(base) {
  const email = `bench-${randomBytes(6).toString("hex")}@example.com`;
  const signUp = await call(base, "POST", "/api/auth/sign-up", {
    body: { email, password: "bench-password-123", name: "Bench" },
  });
  expectStatus("POST /api/auth/sign-up", signUp, 201);
  const sessionToken = signUp.body?.session?.token;
  if (typeof sessionToken !== "string") throw new Error(`setup: sign-up body has no session.token: ${signUp.text.slice(0, 500)}`);
  // Creating an API key needs a verified address: confirm it with the link in the dev outbox.
  await verifyThroughOutbox(base, email);

  const created = await call(base, "POST", "/api/organizations/api-keys", {
    token: sessionToken,
    body: { name: "bench", role: "Admin" },
  });
  expectStatus("POST /api/organizations/api-keys", created, 201);
  const apiKey = created.body?.key;
  if (typeof apiKey !== "string") throw new Error(`setup: api-key body has no key: ${created.text.slice(0, 500)}`);
  return { email, sessionToken, apiKey, organizationId: signUp.body.organization.id };
}

/** The seeded bench user (a Super Admin, Admin of both seeded organizations): one session per organization. */
async function listSetup(base) {
  const sessions = {};
  for (const [label, organizationId] of [
    ["small", SMALL_ORG],
    ["big", BIG_ORG],
  ]) {
    const signIn = await call(base, "POST", "/api/auth/sign-in", { body: BENCH_USER });
    expectStatus("POST /api/auth/sign-in (seeded bench user)", signIn, 200);
    const token = signIn.body?.session?.token;
    const switched = await call(base, "PUT", "/api/auth/session/organization", { token, body: { organizationId } });
    expectStatus(`PUT /api/auth/session/organization (${label})`, switched, 200);
    sessions[label] = token;
  }
  return sessions;
}

const cursorAfter = (id) => Buffer.from(`c1:${id}`).toString("base64url");

/** Every list page and filter, on the small and on the 100k-row organization. */
function listTargets(sessions) {
  const out = [];
  for (const [size, org, block, deep] of [
    ["small", SMALL_ORG, "JE", 10],
    ["100k", BIG_ORG, "JD", 50_000],
  ]) {
    const token = sessions[size === "small" ? "small" : "big"];
    const pad = (n) => String(n).padStart(22, "0");
    const lists = [
      ["members page 1", "/api/organizations/members"],
      ["members deep cursor", `/api/organizations/members?cursor=${cursorAfter(`mem_01${block}${pad(deep)}`)}`],
      ["members ?role=Admin", "/api/organizations/members?role=Admin"],
      ["members ?q= match", "/api/organizations/members?q=person1"],
      ["members ?q= no match", "/api/organizations/members?q=zzqx"],
      // Frequent in another organization (every member of the seed's "guides" one), absent here.
      ["members ?q= other org's term", "/api/organizations/members?q=guide"],
      ["invitations page 1", "/api/organizations/invitations"],
      ["invitations ?status=pending", "/api/organizations/invitations?status=pending"],
      ["invitations ?status=accepted", "/api/organizations/invitations?status=accepted"],
      ["invitations ?status=expired", "/api/organizations/invitations?status=expired"],
      ["invitations ?q= match", "/api/organizations/invitations?q=invitee1"],
      ["invitations ?q= no match", "/api/organizations/invitations?q=zzqx"],
      ["roles list", "/api/organizations/roles"],
      ["SA org detail", `/api/organizations/${org}`],
    ];
    for (const [name, pathname] of lists) out.push({ ...makeTarget(`${name} [${size}]`, pathname, token, 200), list: name, size });
  }
  const big = sessions.big;
  out.push({ ...makeTarget("SA orgs page 1 [100k]", "/api/organizations", big, 200), list: "SA orgs page 1", size: "100k" });
  out.push({
    ...makeTarget("SA orgs ?q= match [100k]", "/api/organizations?q=filler%20tours%205", big, 200),
    list: "SA orgs ?q= match",
    size: "100k",
  });
  out.push({
    ...makeTarget("SA orgs ?q= no match [100k]", "/api/organizations?q=zzqx", big, 200),
    list: "SA orgs ?q= no match",
    size: "100k",
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Load generator: a fixed number of requests in flight on keep-alive sockets

function makeTarget(name, pathname, token, expected, write = null, port = null) {
  const headers = { "cf-connecting-ip": HOST, accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  // A write target sends the same JSON body each time (a real write: each one is a D1 batch with its event).
  if (write) headers["content-type"] = "application/json";
  return {
    name,
    pathname,
    headers,
    expected,
    port,
    method: write?.method ?? "GET",
    body: write ? JSON.stringify(write.body) : null,
    rates: [],
    latencies: [],
    errors: 0,
    samples: [],
  };
}

function request(agent, port, target) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: HOST, port: target.port ?? port, path: target.pathname, method: target.method, headers: target.headers, agent },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode }));
        res.on("error", (error) => resolve({ status: 0, error }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("request timed out after 10 s")));
    req.on("error", (error) => resolve({ status: 0, error }));
    req.end(target.body ?? undefined);
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

/**
 * Open loop, paired: at a fixed `rate`, each tick sends one request to every target at once (which
 * goes first alternates), whatever the answers' pace, and times each from when it was due, not from
 * when it left, so a stall counts against every request it delayed (wrk2's correction for
 * coordinated omission). Sent side by side, the targets meet the same machine: a stall of the
 * machine or of the load generator lands on both. Pushes each target's latencies (ms) to `paced`.
 */
async function pace(agent, port, targets, seconds, rate) {
  const interval = 1000 / rate;
  const total = Math.max(1, Math.floor(seconds * rate));
  const inFlight = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    for (; sent < total && start + sent * interval <= now; sent++) {
      const due = start + sent * interval;
      for (const target of sent % 2 ? targets : [...targets].reverse()) {
        inFlight.push(
          request(agent, port, target).then(({ status, error }) => {
            (target.paced ??= []).push(performance.now() - due);
            if (status !== target.expected) {
              target.errors++;
              if (target.samples.length < 3) target.samples.push(error ? String(error.message ?? error) : `HTTP ${status}`);
            }
          }),
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(interval, start + sent * interval - performance.now()))));
  }
  await Promise.all(inFlight);
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
    .map(
      (r, ri) =>
        r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ") +
        (ri === 0 ? `\n${widths.map((w) => "-".repeat(w)).join("  ")}` : ""),
    )
    .join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = Date.now();
  const deadline = setTimeout(() => {
    console.error(`auth-bench: hard deadline (${HARD_DEADLINE_MS / 1000} s) reached, stopping`);
    stopServer().finally(() => process.exit(1));
  }, HARD_DEADLINE_MS);
  deadline.unref();

  const seeded = existsSync(path.join(STATE_DIR, "v3"));
  if (!seeded) console.log("auth-bench: no bench/.state (run `npm run bench:seed` first): auth figures only");
  const copy = seeded ? mkdtempSync(path.join(os.tmpdir(), "tours-events-bench-")) : null;
  if (copy) {
    cpSync(STATE_DIR, copy, { recursive: true });
    process.on("exit", () => rmSync(copy, { recursive: true, force: true }));
  }
  server = await startDevServer({
    // The traffic limits' own cost is bench/traffic-bench.mjs's: here they would turn this run's
    // thousands of requests per credential into 429s. Usage is flushed as in production.
    vars: { TRAFFIC_LIMITS: "off", USAGE_FLUSH_SECONDS: "10" },
    persistTo: copy ?? "temp",
    port: opts.port,
    verbose: opts.verbose,
    healthTimeoutMs: HEALTH_TIMEOUT_MS,
    onStep(step, { stateDir, base }) {
      if (step === "migrate") {
        console.log(`auth-bench: node ${process.version}, ${os.cpus().length} CPUs, state in ${stateDir}`);
        console.log(`auth-bench: applying migrations (local, --persist-to ${stateDir}) …`);
      } else if (step === "start") console.log(`auth-bench: starting wrangler dev on ${base} …`);
    },
  });
  const { base, port } = server;
  bareServer = await startDevServer({
    config: "bench/bare-worker/wrangler.toml",
    migrate: false,
    development: false,
    port: port + 1,
    verbose: opts.verbose,
  });
  workerOnlyServer = await startDevServer({
    config: writeWorkerOnlyConfig(),
    port: port + 2,
    verbose: opts.verbose,
    healthTimeoutMs: HEALTH_TIMEOUT_MS,
    vars: { TRAFFIC_LIMITS: "off", USAGE_FLUSH_SECONDS: "10" },
  });
  console.log(
    `auth-bench: ready after ${((Date.now() - startedAt) / 1000).toFixed(1)} s (the app on ${base}, the bare Worker on ${bareServer.base}, the worker-only app on ${workerOnlyServer.base})`,
  );

  const creds = await setup(base);
  const workerOnly = await setup(workerOnlyServer.base);
  console.log(`auth-bench: signed up ${creds.email} (and one on the worker-only app), created an Admin API key`);

  const sessions = seeded ? await listSetup(base) : null;
  const targets = [
    makeTarget("GET /api/health (baseline, no auth)", "/api/health", null, 200),
    makeTarget("bare Worker (one fixed Response)", "/", null, 200, null, bareServer.port),
    makeTarget("worker only: GET /api/health", "/api/health", null, 200, null, workerOnlyServer.port),
    makeTarget(
      "worker only: GET /api/organizations/me (API key, warm)",
      "/api/organizations/me",
      workerOnly.apiKey,
      200,
      null,
      workerOnlyServer.port,
    ),
    makeTarget("GET /api/dev/calibrate (one bare D1 query)", "/api/dev/calibrate", null, 200),
    makeTarget("GET /api/organizations/me (API key, warm)", "/api/organizations/me", creds.apiKey, 200),
    makeTarget("GET /api/organizations/me (malformed key, 401)", "/api/organizations/me", "ork_notARealKey", 401),
    makeTarget("GET /api/organizations/me (session, warm)", "/api/organizations/me", creds.sessionToken, 200),
    // Writes, for the capacity model: each is one D1 batch on the primary (the change and its event).
    makeTarget("PATCH /api/organizations/me (write: update + event)", "/api/organizations/me", creds.apiKey, 200, {
      method: "PATCH",
      body: { timezone: "Europe/Lisbon" },
    }),
    makeTarget("PUT /api/auth/session/organization (write: one UPDATE)", "/api/auth/session/organization", creds.sessionToken, 200, {
      method: "PUT",
      body: { organizationId: creds.organizationId },
    }),
    ...(sessions ? listTargets(sessions) : []),
  ];

  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency });
  let latencyRate = 0;
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
    // Tail latency: the closed loop above keeps `concurrency` requests in flight, so its latency is
    // in-flight ÷ throughput (queueing) and a p99 ratio there mostly restates the throughput ratio.
    // The tail of a request itself is measured open loop and paired: the bare Worker and the
    // worker-only warm read side by side at one fixed rate each, a quarter of the read's median
    // throughput (half of it together), for LATENCY_SECONDS or the rounds' total, whichever is longer.
    const bare = targets.find((t) => t.name === "bare Worker (one fixed Response)");
    const me = targets.find((t) => t.name === "worker only: GET /api/organizations/me (API key, warm)");
    latencyRate = Math.max(10, Math.round(median(me.rates) / 4));
    const paceAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    try {
      await pace(paceAgent, port, [bare, me], opts.warmup, latencyRate);
      bare.paced = [];
      me.paced = [];
      await pace(paceAgent, port, [bare, me], Math.max(LATENCY_SECONDS, opts.rounds * opts.duration), latencyRate);
    } finally {
      paceAgent.destroy();
    }
  } finally {
    agent.destroy();
  }

  const baseline = median(targets[0].rates);
  const byName = (name) => targets.find((t) => t.name === name);
  const p99 = (t) => percentile(Float64Array.from(t.latencies).sort(), 99);
  const bareRate = median(byName("bare Worker (one fixed Response)").rates);
  // "vs baseline": median req/s ÷ the baseline's median req/s (the verdict uses this).
  // "paired": median over rounds of (this round's req/s ÷ the baseline's req/s in the same round),
  // a cross-check that is less sensitive to a noisy neighbour slowing one whole round.
  const rows = [["target", "median req/s", "vs bare", "vs baseline", "paired", "p50 ms", "p99 ms", "errors"]];
  for (const t of targets) {
    const sorted = Float64Array.from(t.latencies).sort();
    const med = median(t.rates);
    const paired = median(t.rates.map((r, i) => r / targets[0].rates[i]));
    rows.push([
      t.name,
      med.toFixed(0),
      `${(med / bareRate).toFixed(2)}×`,
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

  if (sessions) {
    const calibrate = median(byName("GET /api/dev/calibrate (one bare D1 query)").rates);
    const rateOf = (list, size) => targets.find((t) => t.list === list && t.size === size);
    const lists = [...new Set(targets.filter((t) => t.list).map((t) => t.list))];
    const listRows = [["list", "small vs health", "100k vs health", "100k / small", "100k vs calibrate"]];
    for (const list of lists) {
      const small = rateOf(list, "small");
      const big = rateOf(list, "100k");
      const b = big ? median(big.rates) : NaN;
      const sm = small ? median(small.rates) : NaN;
      listRows.push([
        list,
        small ? `${(sm / baseline).toFixed(2)}×` : "—",
        `${(b / baseline).toFixed(2)}×`,
        small ? `${(b / sm).toFixed(2)}×` : "—",
        `${(b / calibrate).toFixed(2)}×`,
      ]);
    }
    console.log(table(listRows));
    console.log("");
    const smallPage = median(rateOf("members page 1", "small").rates);
    for (const list of ["members ?q= match", "members ?q= other org's term"]) {
      const ratio = median(rateOf(list, "small").rates) / smallPage;
      console.log(
        `verdict: small-org ${list} ÷ its page 1 = ${ratio.toFixed(2)}× (bar ≥ 0.83×, i.e. at most 1.2× the cost): ${ratio >= 0.83 ? "PASS" : "BELOW BAR"}`,
      );
    }
    const smallInvitations = median(rateOf("invitations page 1", "small").rates);
    const invitationSearch = median(rateOf("invitations ?q= match", "small").rates) / smallInvitations;
    console.log(
      `verdict: small-org invitations ?q= match ÷ its page 1 = ${invitationSearch.toFixed(2)}× (bar ≥ 0.83×): ${invitationSearch >= 0.83 ? "PASS" : "BELOW BAR"}`,
    );
    const members = median(rateOf("members page 1", "100k").rates) / calibrate;
    console.log(
      `verdict: members page 1 [100k] = ${members.toFixed(2)}× /api/dev/calibrate (bar ≥ ${LIST_BAR.toFixed(2)}×): ${members >= LIST_BAR ? "PASS" : "BELOW BAR"}`,
    );
  }

  const totalErrors = targets.reduce((n, t) => n + t.errors, 0);
  const ratio = median(byName("GET /api/organizations/me (API key, warm)").rates) / baseline;
  const pass = ratio >= BAR;
  console.log(
    `verdict: warm API-key /api/organizations/me = ${ratio.toFixed(2)}× baseline (bar ≥ ${BAR.toFixed(2)}×): ${pass ? "PASS" : "BELOW BAR"}`,
  );
  const bareTarget = byName("bare Worker (one fixed Response)");
  const workerOnlyMe = byName("worker only: GET /api/organizations/me (API key, warm)");
  const vsBare = median(workerOnlyMe.rates) / median(bareTarget.rates);
  const pacedOf = (t) => Float64Array.from(t.paced).sort();
  const p99Ratio = percentile(pacedOf(workerOnlyMe), 99) / percentile(pacedOf(bareTarget), 99);
  const barePass = vsBare >= BARE_BAR && p99Ratio <= BARE_P99_BAR;
  const latencyRows = [["open loop, paired, at one rate", "req/s", "samples", "p50 ms", "p99 ms", "max ms"]];
  for (const t of [bareTarget, workerOnlyMe]) {
    const sorted = pacedOf(t);
    latencyRows.push([
      t.name,
      String(latencyRate),
      String(sorted.length),
      percentile(sorted, 50).toFixed(2),
      percentile(sorted, 99).toFixed(2),
      sorted[sorted.length - 1].toFixed(2),
    ]);
  }
  console.log(table(latencyRows));
  console.log("");
  console.log(
    `verdict: worker-only warm API-key /api/organizations/me = ${vsBare.toFixed(2)}× a bare Worker (bar ≥ ${BARE_BAR.toFixed(2)}×), p99 ${p99Ratio.toFixed(2)}× the bare Worker's at ${latencyRate} req/s (bar ≤ ${BARE_P99_BAR.toFixed(2)}×): ${barePass ? "PASS" : "BELOW BAR"}`,
  );
  console.log(
    `  p99 under saturation (${opts.concurrency} in flight, the table above): ${(p99(workerOnlyMe) / p99(bareTarget)).toFixed(2)}× the bare Worker's`,
  );
  console.log(
    `  as configured (static assets routed first, run_worker_first for /api/*): ${(median(byName("GET /api/organizations/me (API key, warm)").rates) / median(bareTarget.rates)).toFixed(2)}× a bare Worker`,
  );
  console.log(`auth-bench: total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  if (totalErrors > 0) {
    for (const t of targets)
      if (t.errors)
        console.error(`auth-bench: ${t.name}: ${t.errors} unexpected responses (expected ${t.expected}), e.g. ${t.samples.join("; ")}`);
    return 1;
  }
  if ((!pass || !barePass) && opts.strict) return 1;
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`auth-bench: ${error?.stack ?? error}`);
  code = 1;
} finally {
  await stopServer();
}
process.exit(code);
