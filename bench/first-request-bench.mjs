// npm run bench:first-request — what the first HTTP request of an isolate costs over a warm one.
//
// 1. Builds the production worker exactly as `npm run deploy` would upload it (`wrangler deploy
//    --dry-run --outdir`, wrangler.toml's top level: minified, the aliases applied).
// 2. Setup on a private `wrangler dev` (scripts/lib/dev-server.mjs, its own temporary state): signs
//    up a bench user, verifies the address through the development outbox, creates an Admin API key.
//    Then stops it: the state directory (D1, KV) stays for the measurement.
// 3. Per round, one Miniflare (one workerd process) over that state, running the built bundle as
//    `--isolates` separate Workers: each Worker is its own V8 isolate, loaded (its global scope run)
//    when Miniflare starts, as Cloudflare does before or while a request arrives. Plus one trivial
//    Worker that takes the first requests, so Miniflare's own entry path is warm before any
//    measured isolate sees its first request, and one more isolate of the app that makes API-key
//    requests first, so Miniflare's simulators of KV, the rate limiters and the queues (services of
//    their own in the same workerd process, cold at first) are warm too: Cloudflare's always are.
// 4. Each measured isolate gets one target (round-robin over TARGETS): its first request is timed,
//    then WARM more of the same; the sample is the first request's time and the median of the warm
//    ones. Times are the client's (Node `fetch` through Miniflare's loopback, body read), the same
//    path for both, so what they share cancels in the difference.
//
// The measured isolates run wrangler.toml's production vars (ENVIRONMENT=production: no
// development routes), as deployed; the key was created on the development server over the same
// D1 and KV. An isolate's first API-key request also reads its key from KV (the isolate's memory
// cache is empty): part of any first request, and why /api/health and the unauthenticated 401 are
// measured too (no I/O at all: only the build and first-run cost).
//
// Flags: --rounds <n> (default 3), --isolates <n> per round (default 10), --warm <n> (default 20),
// --entry <file> (measure the worker built from another entry, e.g. bench/eager-entry.ts, which
// builds the whole app at module load: what a first request costs with no build at all), --profile
// (where a first request's time goes: the worker is built unminified, each measured isolate's first
// request is CPU-profiled through the inspector, and the JS time is summed per module being evaluated
// — zod, drizzle, one of ours — and per function outside any module evaluation; profiling slows the
// requests, so its times are for the split, not for the table), --verbose. Exit 0; 1 when a response has an unexpected status; stops itself after 5 minutes.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { api, ROOT, runWrangler, startDevServer } from "../scripts/lib/dev-server.mjs";
import { verifyThroughOutbox } from "../scripts/lib/verify-email.mjs";

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    isolates: { type: "string", default: "10" },
    warm: { type: "string", default: "20" },
    entry: { type: "string" },
    profile: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(flags.rounds);
const ISOLATES = Number(flags.isolates);
const WARM = Number(flags.warm);
if (![ROUNDS, ISOLATES, WARM].every((n) => Number.isInteger(n) && n > 0) || ROUNDS * ISOLATES > 60) {
  console.error("--rounds, --isolates and --warm are positive integers, rounds × isolates ≤ 60");
  process.exit(2);
}
setTimeout(() => {
  console.error("first-request bench: still running after 5 minutes, stopping");
  process.exit(1);
}, 300_000).unref();

/** The first request of an isolate, one kind per isolate (round-robin). `key` is filled in by setup. */
const TARGETS = [
  { name: "bare Worker (one fixed Response: the floor)", path: "/", auth: false, status: 200, bare: true },
  { name: "GET /api/organizations/me (API key)", path: "/api/organizations/me", auth: true, status: 200 },
  { name: "GET /api/organizations/me (no credentials: 401)", path: "/api/organizations/me", auth: false, status: 401 },
  { name: "GET /api/health", path: "/api/health", auth: false, status: 200 },
  { name: "GET /api/nope (404: no route group at all)", path: "/api/nope", auth: false, status: 404 },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => value.toFixed(1);

async function setup(base) {
  const call = (method, pathname, options = {}) =>
    api(base, method, pathname, { ...options, headers: { accept: "application/json" }, timeoutMs: 15_000 });
  const email = `bench-first-${randomBytes(6).toString("hex")}@example.com`;
  const signUp = await call("POST", "/api/auth/sign-up", { body: { email, password: "bench-password-123", name: "Bench" } });
  if (signUp.status !== 201) throw new Error(`setup: sign-up answered ${signUp.status}: ${signUp.text.slice(0, 300)}`);
  await verifyThroughOutbox(base, email);
  const created = await call("POST", "/api/organizations/api-keys", {
    token: signUp.body.session.token,
    body: { name: "bench-first-request", role: "Admin" },
  });
  if (created.status !== 201) throw new Error(`setup: api-key answered ${created.status}: ${created.text.slice(0, 300)}`);
  return created.body.key;
}

async function main() {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "first-request-build-"));
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "first-request-state-"));
  process.on("exit", () => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  console.log("Building the production worker (wrangler deploy --dry-run)…");
  await runWrangler([
    "deploy",
    ...(flags.entry ? [flags.entry] : []),
    "--dry-run",
    "--outdir",
    outDir,
    ...(flags.profile ? ["--minify=false"] : []),
  ]);
  const bundle = readdirSync(outDir).find((name) => name.endsWith(".js"));
  const script = readFileSync(path.join(outDir, bundle), "utf8");

  console.log("Setup: an API key on a private wrangler dev…");
  const server = await startDevServer({ persistTo: stateDir, verbose: flags.verbose });
  let apiKey;
  try {
    apiKey = await setup(server.base);
  } finally {
    await server.stop();
  }

  // wrangler.toml's bindings as Miniflare options (the same conversion wrangler dev uses); no
  // queue consumers or cron triggers (these isolates only answer the measured requests).
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  const { queueConsumers: _consumers, cronTriggers: _crons, assets: _assets, ...options } = workerOptions;
  const appWorker = (name) => ({
    ...options,
    name,
    rootPath: outDir,
    modulesRoot: outDir,
    modules: [{ type: "ESModule", path: path.join(outDir, bundle), contents: script }],
    ...(flags.profile ? { unsafeInspectorProxy: true } : {}),
  });
  const inspectorPort = 9300 + Math.floor(Math.random() * 500);
  const profiles = TARGETS.map(() => []);

  // The floor: a fresh isolate of the bare Worker (bench/bare-worker/index.js), which builds nothing.
  const bareScript = readFileSync(path.join(ROOT, "bench/bare-worker/index.js"), "utf8");
  const bareWorker = (name) => ({ name, modules: true, script: bareScript, compatibilityDate: options.compatibilityDate });

  const samples = TARGETS.map(() => []);
  const failures = [];
  for (let round = 0; round < ROUNDS; round++) {
    const names = Array.from({ length: ISOLATES }, (_, i) => `app-${round}-${i}`);
    const targetOf = (i) => TARGETS[(round * ISOLATES + i) % TARGETS.length];
    // Miniflare 5 takes its own option shape; wrangler's conversion is the one it ships for v4's.
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        resourcePersistencePath: path.join(stateDir, "v3"),
        ...(flags.profile ? { inspectorPort } : {}),
        workers: [
          {
            name: "warm-up",
            modules: true,
            script: "export default { fetch: () => new Response('ok') }",
            compatibilityDate: options.compatibilityDate,
          },
          appWorker("simulators-warm-up"),
          ...names.map((name, i) => (targetOf(i).bare ? bareWorker(name) : appWorker(name))),
        ],
      }),
    );
    try {
      await mf.ready;
      const warmUp = await mf.getWorker("warm-up");
      for (let i = 0; i < 50; i++) await (await warmUp.fetch("http://localhost/")).text();
      // Miniflare simulates KV, the rate limiters and the queues with services of its own in this
      // workerd process, cold at first: one more isolate of the app makes authenticated requests
      // first, so no measured isolate pays a simulator's own start (Cloudflare's are always warm).
      // Each measured isolate still makes its own first KV read: its memory cache is empty.
      const simulators = await mf.getWorker("simulators-warm-up");
      for (let i = 0; i < 10; i++) {
        const res = await simulators.fetch("http://localhost/api/organizations/me", {
          headers: { accept: "application/json", "cf-connecting-ip": "127.0.0.1", authorization: `Bearer ${apiKey}` },
        });
        await res.text();
        if (res.status !== 200) failures.push(`simulators-warm-up: ${res.status}`);
      }

      for (const [i, name] of names.entries()) {
        const target = targetOf(i);
        const targetIndex = TARGETS.indexOf(target);
        const worker = await mf.getWorker(name);
        const request = async () => {
          const started = performance.now();
          const res = await worker.fetch(`http://localhost${target.path}`, {
            headers: {
              accept: "application/json",
              "cf-connecting-ip": "127.0.0.1",
              ...(target.auth ? { authorization: `Bearer ${apiKey}` } : {}),
            },
          });
          const body = await res.text();
          const elapsed = performance.now() - started;
          if (res.status !== target.status) failures.push(`${name} ${target.name}: ${res.status} ${body.slice(0, 200)}`);
          return elapsed;
        };
        const profiler = flags.profile && !target.bare ? await startProfiler(inspectorPort, name) : undefined;
        const first = await request();
        if (profiler) profiles[targetIndex].push(await profiler.stop());
        const warm = [];
        for (let i = 0; i < WARM; i++) warm.push(await request());
        samples[targetIndex].push({ first, warm: median(warm) });
        if (flags.verbose) console.log(`  ${name} ${target.name}: first ${ms(first)} ms, warm median ${ms(median(warm))} ms`);
      }
    } finally {
      await mf.dispose();
    }
  }

  console.log(
    `\nFirst request of a fresh isolate vs the median warm request of the same isolate (${ROUNDS} rounds × ${ISOLATES} isolates, ${WARM} warm requests each):`,
  );
  console.log(
    `${"target".padEnd(50)} ${"n".padStart(3)} ${"first med".padStart(10)} ${"first max".padStart(10)} ${"warm med".padStart(9)} ${"extra med".padStart(10)} ${"extra max".padStart(10)}`,
  );
  TARGETS.forEach((target, i) => {
    const rows = samples[i];
    if (rows.length === 0) return;
    const extra = rows.map((row) => row.first - row.warm);
    console.log(
      `${target.name.padEnd(50)} ${String(rows.length).padStart(3)} ${ms(median(rows.map((r) => r.first))).padStart(10)} ${ms(Math.max(...rows.map((r) => r.first))).padStart(10)} ${ms(median(rows.map((r) => r.warm))).padStart(9)} ${ms(median(extra)).padStart(10)} ${ms(Math.max(...extra)).padStart(10)}`,
    );
  });
  console.log("(ms; extra = first − the same isolate's warm median; target ≤ 15 ms)");
  if (flags.profile) {
    console.log("\nProfiled (unminified build, inspector attached: slower than the table's times; the split is what counts):");
    for (const [i, target] of TARGETS.entries()) if (profiles[i].length > 0) printProfileSplit(target.name, profiles[i]);
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} unexpected response(s):\n  ${failures.slice(0, 10).join("\n  ")}`);
    process.exitCode = 1;
  }
}

/** Starts the V8 sampling profiler of one isolate (Miniflare's inspector proxy, by worker name). */
async function startProfiler(port, workerName) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/${workerName}`, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`inspector of ${workerName}: could not connect`));
  });
  let id = 0;
  const pending = new Map();
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    pending.get(data.id)?.(data);
    pending.delete(data.id);
  };
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  return {
    async stop() {
      const { result } = await send("Profiler.stop");
      socket.close();
      return result.profile;
    },
  };
}

/**
 * Sums a target's profiles: each sample's time goes to the innermost module being evaluated on its
 * stack (esbuild names a module's evaluation function by its path: `src/…`, `node_modules/…`,
 * grouped by package), else to the function sampled (the request's own work); idle and GC apart.
 */
function printProfileSplit(name, list) {
  const byModule = new Map();
  const byFunction = new Map();
  let idle = 0;
  let system = 0;
  for (const profile of list) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    for (let i = 0; i < profile.samples.length; i++) {
      const us = profile.timeDeltas[i + 1] ?? 0;
      const leaf = nodes.get(profile.samples[i]).callFrame;
      if (leaf.functionName === "(idle)") idle += us;
      else if (leaf.functionName === "(program)" || leaf.functionName === "(garbage collector)") system += us;
      else {
        let module;
        for (let id = profile.samples[i]; id !== undefined && !module; id = parent.get(id)) {
          const fn = nodes.get(id).callFrame.functionName;
          if (/^(src|node_modules)\//.test(fn)) module = fn;
        }
        if (module?.startsWith("node_modules/"))
          module = module
            .split("/")
            .slice(0, module.includes("/@") ? 3 : 2)
            .join("/");
        const [map, key] = module ? [byModule, module] : [byFunction, `${leaf.functionName || "(anonymous)"} :${leaf.lineNumber}`];
        map.set(key, (map.get(key) ?? 0) + us);
      }
    }
  }
  const per = (us) => (us / list.length / 1000).toFixed(2).padStart(7);
  const total = (map) => [...map.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${name} (${list.length} profiles, ms per first request):`);
  console.log(
    `${per(total(byModule))}  evaluating modules   ${per(total(byFunction))}  running the request   ${per(system)}  GC / V8   ${per(idle)}  idle`,
  );
  for (const [key, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${per(us)}  ${key}`);
  console.log("  outside module evaluation:");
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${per(us)}  ${key}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
