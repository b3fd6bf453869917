#!/usr/bin/env node
// The Authorizer RPC against HTTP, in the same run (`npm run bench:authorizer`): the Organizations
// API and the example sibling Worker (examples/tours-service) each under a private `wrangler dev`
// (loopback, fresh state, a private dev registry), one API key whose role grants tours.read, then
// interleaved rounds of three warm targets:
//
//   http /me        GET /api/organizations/me on the API itself (the warm HTTP auth path)
//   rpc /tours      GET /tours on the sibling: its request plus one Authorizer.authorize over the binding
//   sibling /health GET /health on the sibling: its request with no authorization (the baseline)
//
// "rpc /tours" minus "sibling /health" is what authorizing through the RPC adds to a sibling's
// request; compare it with what a warm "http /me" costs end to end. Prints req/s and median latency.
//
//   npm run bench:authorizer -- --duration 2 --rounds 3 --concurrency 8
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { api, startDevServer } from "../scripts/lib/dev-server.mjs";
import { startToursService } from "../scripts/lib/tours-service.mjs";
import { verifyThroughOutbox } from "../scripts/lib/verify-email.mjs";

const opts = { duration: 1, rounds: 3, concurrency: 8, warmup: 0.5 };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i]?.replace(/^--/, "");
  const value = Number(process.argv[i + 1]);
  if (!(key in opts) || !Number.isFinite(value) || value <= 0) {
    console.error("usage: node bench/authorizer-bench.mjs [--duration s] [--rounds n] [--concurrency n] [--warmup s]");
    process.exit(2);
  }
  opts[key] = value;
}
const hardStop = setTimeout(() => {
  console.error("authorizer-bench: hard stop after 5 minutes");
  process.exit(3);
}, 300_000);

/** Drives `url` with `concurrency` requests in flight for `seconds`; every answer must be `status`. */
async function drive(url, headers, seconds, status) {
  const until = Date.now() + seconds * 1000;
  const latencies = [];
  let wrong = 0;
  async function worker() {
    while (Date.now() < until) {
      const started = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      if (res.status !== status) wrong++;
    }
  }
  const from = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsed = (performance.now() - from) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: latencies[Math.floor(latencies.length / 2)] ?? NaN, wrong };
}

const registry = mkdtempSync(path.join(os.tmpdir(), "authorizer-bench-registry-"));
process.env.WRANGLER_REGISTRY_PATH = registry;
let organizations;
let tours;
try {
  organizations = await startDevServer({ port: 8801 });
  tours = await startToursService({ port: 8802 });
  const email = `bench-tours.${Date.now()}@example.com`;
  const signUp = await api(organizations.base, "POST", "/api/auth/sign-up", {
    body: { email, password: "a-strong-password", name: "Bench" },
  });
  if (signUp.status !== 201) throw new Error(`sign-up: ${signUp.status} ${signUp.text}`);
  await verifyThroughOutbox(organizations.base, email);
  const owner = signUp.body.session.token;
  await api(organizations.base, "POST", "/api/organizations/roles", {
    token: owner,
    body: { name: "Tour desk", permissions: ["tours.read"] },
  });
  const key = await api(organizations.base, "POST", "/api/organizations/api-keys", {
    token: owner,
    body: { name: "bench", role: "Tour desk" },
  });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${key.text}`);
  const auth = { authorization: `Bearer ${key.body.key}`, "cf-connecting-ip": "127.0.0.1" };

  const targets = [
    { name: "http /me", url: `${organizations.base}/api/organizations/me`, headers: auth },
    { name: "rpc /tours", url: `${tours.base}/tours`, headers: auth },
    { name: "sibling /health", url: `${tours.base}/health`, headers: {} },
  ];
  for (const t of targets) await drive(t.url, t.headers, opts.warmup, 200); // warm every cache
  const results = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (const t of targets) {
      const r = await drive(t.url, t.headers, opts.duration, 200);
      if (r.wrong > 0) throw new Error(`${t.name}: ${r.wrong} answers were not 200`);
      results[t.name].push(r);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\n${opts.rounds} rounds × ${opts.duration} s, ${opts.concurrency} in flight, ${os.cpus().length} cores (medians of the rounds)`,
  );
  console.log("target            req/s    p50 ms");
  const summary = {};
  for (const t of targets) {
    summary[t.name] = { rps: median(results[t.name].map((r) => r.rps)), p50: median(results[t.name].map((r) => r.p50)) };
    console.log(`${t.name.padEnd(16)} ${summary[t.name].rps.toFixed(0).padStart(6)}  ${summary[t.name].p50.toFixed(2).padStart(8)}`);
  }
  const added = summary["rpc /tours"].p50 - summary["sibling /health"].p50;
  console.log(
    `\nauthorize over the binding adds ~${added.toFixed(2)} ms (p50) to a sibling's request; a warm HTTP /me takes ${summary["http /me"].p50.toFixed(2)} ms end to end`,
  );
} finally {
  await tours?.stop();
  await organizations?.stop();
  rmSync(registry, { recursive: true, force: true });
  clearTimeout(hardStop);
}
