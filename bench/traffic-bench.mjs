#!/usr/bin/env node
// What the traffic limits cost the hot path (docs/integration-traffic.md): the warm API-key read
// `GET /api/organizations/me` with the limits on, against the same read with them off, in one run.
// Two private `wrangler dev` servers of the worker-only app (no [assets], as the bare pair; loopback, temp state, development mode, usage
// flushed every 10 s as in production): one as deployed, one with TRAFFIC_LIMITS=off (honoured only
// in development); beside them the bare Worker with and without one Rate Limiting `limit()` call, so
// the run also shows what the local binding costs on its own. Rounds alternate between them; the
// verdicts are ratios of medians. Then a fifth server counts the usage pipeline's D1 writes.
//
//   node bench/traffic-bench.mjs [--duration s] [--rounds n] [--concurrency n] [--strict]
//
// The keys are `high` (6,000 a minute) and the requests rotate over several of them, so the run
// measures the check itself and never reaches a 429. See bench/README.md.

import { randomBytes } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { api, HOST, startDevServer } from "../scripts/lib/dev-server.mjs";
import { verifyThroughOutbox } from "../scripts/lib/verify-email.mjs";
import { writeWorkerOnlyConfig } from "./worker-only-config.mjs";

const BAR = 0.95; // limits on must keep this fraction of the throughput with them off
const KEYS = 6; // high-tier keys per server, rotated per request
const HARD_DEADLINE_MS = 300_000;

function parseArgs(argv) {
  const opts = { duration: 1, warmup: 0.5, concurrency: 8, rounds: 5, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--strict") opts.strict = true;
    else if (["--duration", "--warmup", "--concurrency", "--rounds"].includes(flag)) opts[flag.slice(2)] = Number(argv[++i]);
    else {
      console.log("usage: node bench/traffic-bench.mjs [--duration s] [--warmup s] [--concurrency n] [--rounds n] [--strict]");
      process.exit(flag === "--help" ? 0 : 2);
    }
  }
  return opts;
}

const servers = [];
const stopAll = () => Promise.all(servers.map((s) => s.stop()));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stopAll().finally(() => process.exit(130)));

async function setup(base) {
  const call = (method, pathname, options) => api(base, method, pathname, { ...options, timeoutMs: 15_000 });
  const email = `traffic-${randomBytes(6).toString("hex")}@example.com`;
  const signUp = await call("POST", "/api/auth/sign-up", { body: { email, password: "bench-password-123", name: "Bench" } });
  if (signUp.status !== 201) throw new Error(`sign-up answered ${signUp.status}: ${signUp.text}`);
  const session = signUp.body.session.token;
  await verifyThroughOutbox(base, email); // a verified owner may create keys

  const keys = [];
  for (let i = 0; i < KEYS; i++) {
    const created = await call("POST", "/api/organizations/api-keys", {
      token: session,
      body: { name: `bench ${i}`, role: "Admin", rateLimit: "high" },
    });
    if (created.status !== 201) throw new Error(`key creation answered ${created.status}: ${created.text}`);
    keys.push(created.body.key);
  }
  return keys;
}

function request(agent, port, keys, n) {
  return new Promise((resolve) => {
    const headers = { "cf-connecting-ip": HOST, accept: "application/json", authorization: `Bearer ${keys[n % keys.length]}` };
    const req = http.request({ host: HOST, port, path: "/api/organizations/me", method: "GET", headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
      res.on("error", () => resolve(0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end();
  });
}

async function drive(target, seconds, concurrency) {
  const endAt = performance.now() + seconds * 1000;
  let completed = 0;
  const loop = async () => {
    while (performance.now() < endAt) {
      const status = await request(target.agent, target.port, target.keys, target.sent++);
      if (status !== 200) {
        target.errors++;
        if (target.samples.length < 3) target.samples.push(`HTTP ${status}`);
      }
      if (performance.now() <= endAt) completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return completed / ((Math.min(performance.now(), endAt) - started) / 1000);
}

/**
 * The usage pipeline's D1 writes, on a server of its own (not timed: it logs at "log", so its queue
 * consumer's `usage_ingested` lines reach us): USAGE_REQUESTS API-key requests over the keys, then
 * a wait for the last flush (10 s, as in production) and consumer batch (up to 5 s); the consumer's
 * lines say how many requests each batch counted and how many D1 statements it ran.
 */
const USAGE_REQUESTS = 3_000;
async function measureUsageWrites(opts) {
  const lines = [];
  let pending = "";
  const server = await startDevServer({
    port: 8881,
    vars: { USAGE_FLUSH_SECONDS: "10" },
    logLevel: "log",
    onOutput: (chunk) => {
      const parts = (pending + chunk).split("\n");
      pending = parts.pop();
      for (const line of parts) if (line.includes('"usage_ingested"')) lines.push(JSON.parse(line.slice(line.indexOf("{"))));
    },
  });
  servers.push(server);
  const target = {
    port: server.port,
    keys: await setup(server.base),
    agent: new http.Agent({ keepAlive: true }),
    errors: 0,
    samples: [],
    sent: 0,
  };
  let left = USAGE_REQUESTS;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (left-- > 0) if ((await request(target.agent, target.port, target.keys, target.sent++)) !== 200) target.errors++;
    }),
  );
  target.agent.destroy();
  const counted = () => lines.reduce((n, l) => n + l.requests, 0);
  const deadline = Date.now() + 40_000;
  while (counted() < target.sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  if (target.errors) throw new Error(`usage phase: ${target.errors} answers other than 200`);
  return { sent: target.sent, requests: counted(), batches: lines.length, statements: lines.reduce((n, l) => n + l.statements, 0) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = Date.now();
  setTimeout(() => {
    console.error("traffic-bench: hard deadline reached, stopping");
    stopAll().finally(() => process.exit(1));
  }, HARD_DEADLINE_MS).unref();
  console.log(
    `traffic-bench: node ${process.version}, ${os.cpus().length} CPUs; starting five wrangler dev servers (the app with limits on and off, the bare Worker with and without one limit(), the app for the usage count) …`,
  );

  const makeTarget = (name, server, keys) => ({
    name,
    port: server.port,
    keys,
    agent: new http.Agent({ keepAlive: true, maxSockets: opts.concurrency }),
    rates: [],
    errors: 0,
    samples: [],
    sent: 0,
  });
  const targets = [];
  for (const [name, vars, port] of [
    ["limits on", { USAGE_FLUSH_SECONDS: "10" }, 8801],
    ["limits off", { USAGE_FLUSH_SECONDS: "10", TRAFFIC_LIMITS: "off" }, 8821],
  ]) {
    // The worker-only app (no [assets]): like the bare pair, no static-assets router in front.
    const server = await startDevServer({ port, vars, config: writeWorkerOnlyConfig() });
    servers.push(server);
    targets.push(makeTarget(name, server, await setup(server.base)));
  }
  // The binding alone: the bare Worker with and without one limit() call, keyed like the app's
  // (by the Authorization header, rotated over as many keys), on the same toolchain.
  const bareKeys = Array.from({ length: KEYS }, (_, i) => `bare-key-${i}-${randomBytes(4).toString("hex")}`);
  for (const [name, config, port] of [
    ["bare + limit()", "bench/bare-worker/limited.wrangler.toml", 8841],
    ["bare", "bench/bare-worker/wrangler.toml", 8861],
  ]) {
    const server = await startDevServer({ config, migrate: false, development: false, port });
    servers.push(server);
    targets.push(makeTarget(name, server, bareKeys));
  }
  const [on, off, bareLimited, bare] = targets;
  for (const target of targets) await drive(target, opts.warmup, opts.concurrency);
  for (let round = 1; round <= opts.rounds; round++) {
    // Alternate which goes first, so neither of a pair always runs after the other's load.
    const order = round % 2 ? [on, off, bareLimited, bare] : [bare, bareLimited, off, on];
    for (const target of order) {
      await drive(target, Math.min(opts.warmup, 0.3), opts.concurrency);
      target.rates.push(await drive(target, opts.duration, opts.concurrency));
    }
    console.log(
      `  round ${round}: on ${on.rates.at(-1).toFixed(0)} / off ${off.rates.at(-1).toFixed(0)} req/s; bare + limit() ${bareLimited.rates.at(-1).toFixed(0)} / bare ${bare.rates.at(-1).toFixed(0)} req/s`,
    );
  }
  for (const target of targets) target.agent.destroy();
  const usage = await measureUsageWrites(opts);

  const ratio = median(on.rates) / median(off.rates);
  const paired = median(on.rates.map((r, i) => r / off.rates[i]));
  // Throughput on a saturated machine is the inverse of the machine time one request takes, so the
  // difference of the inverses is what the limits add to each request (µs of the two cores).
  const usPerRequest = (rate) => 1e6 / rate;
  const addedByLimits = usPerRequest(median(on.rates)) - usPerRequest(median(off.rates));
  const addedByBinding = usPerRequest(median(bareLimited.rates)) - usPerRequest(median(bare.rates));
  const ours = addedByLimits - addedByBinding;
  const withoutBinding = usPerRequest(median(off.rates)) / (usPerRequest(median(off.rates)) + Math.max(0, ours));
  console.log("");
  console.log(`warm API-key GET /api/organizations/me, limits on:  ${median(on.rates).toFixed(0)} req/s (median of ${opts.rounds})`);
  console.log(`warm API-key GET /api/organizations/me, limits off: ${median(off.rates).toFixed(0)} req/s`);
  console.log(
    `bare Worker + one limit() call: ${median(bareLimited.rates).toFixed(0)} req/s; bare Worker: ${median(bare.rates).toFixed(0)} req/s`,
  );
  console.log(
    `per request: the limits add ${addedByLimits.toFixed(0)} µs to the app's read; one limit() adds ${addedByBinding.toFixed(0)} µs to a bare Worker (the local binding: a Durable Object with a SQLite write per call); the app's own code around it ${ours.toFixed(0)} µs`,
  );
  console.log(
    `verdict: limits on = ${ratio.toFixed(2)}× limits off (paired ${paired.toFixed(2)}×; bar ≥ ${BAR.toFixed(2)}×): ${ratio >= BAR ? "PASS" : "BELOW BAR"}`,
  );
  console.log(
    `  without the local binding's own cost: ${withoutBinding.toFixed(2)}× (bar ≥ ${BAR.toFixed(2)}×): ${withoutBinding >= BAR ? "PASS" : "BELOW BAR"}`,
  );
  console.log(
    `usage pipeline: ${usage.sent} API-key requests over ${KEYS} keys, ${usage.requests} counted in ${usage.batches} consumer batches writing ${usage.statements} D1 statements: ${((usage.statements / Math.max(1, usage.sent)) * 1000).toFixed(2)} D1 writes per 1,000 requests`,
  );
  console.log(`traffic-bench: total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  const errors = targets.reduce((n, t) => n + t.errors, 0);
  if (errors > 0) {
    for (const t of targets)
      if (t.errors) console.error(`traffic-bench: ${t.name}: ${t.errors} answers other than 200, e.g. ${t.samples.join("; ")}`);
    return 1;
  }
  return ratio < BAR && opts.strict ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`traffic-bench: ${error?.stack ?? error}`);
} finally {
  await stopAll();
}
process.exit(code);
