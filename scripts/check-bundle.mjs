// npm run check:bundle — the production bundle's size, and its startup time.
//
// Builds exactly what `npm run deploy` would upload (`wrangler deploy --dry-run --env production`)
// into a temporary directory, gzips the worker's modules (source maps aside) and fails above
// LIMIT_KIB. Prints the largest inputs from the esbuild metafile, so a new heavy dependency shows
// up by name. Then profiles the startup with `wrangler check startup` (local workerd, offline) and
// prints the median of a few runs: informative only, it varies too much between machines and runs
// to fail CI on.
//
// Exit codes: 0 within the limit, 1 over it, 3 wrangler failed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { runWrangler } from "./lib/dev-server.mjs";

const LIMIT_KIB = 150;
const STARTUP_RUNS = 3;

const kib = (bytes) => (bytes / 1024).toFixed(2);
const dir = mkdtempSync(path.join(os.tmpdir(), "check-bundle-"));

try {
  const metafile = path.join(dir, "meta.json");
  try {
    await runWrangler(["deploy", "--dry-run", "--env", "production", "--outdir", dir, "--metafile", metafile]);
  } catch (error) {
    console.error(String(error.message ?? error));
    process.exitCode = 3;
    throw error;
  }

  const modules = readdirSync(dir).filter((name) => /\.(m?js|wasm)$/.test(name));
  let raw = 0;
  let gzip = 0;
  for (const name of modules) {
    const bytes = readFileSync(path.join(dir, name));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }

  const meta = JSON.parse(readFileSync(metafile, "utf8"));
  const byPackage = new Map();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs ?? {})) {
      const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = inPackage ? inPackage[1] : input.split("/").slice(0, 2).join("/");
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  console.log("Largest inputs (minified bytes in the bundle):");
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`  ${kib(bytes).padStart(8)} KiB  ${name}`);
  }

  const over = gzip > LIMIT_KIB * 1024;
  console.log(`Worker bundle: ${kib(raw)} KiB, ${kib(gzip)} KiB gzip (limit ${LIMIT_KIB} KiB gzip) — ${over ? "OVER THE LIMIT" : "ok"}`);

  const startups = [];
  for (let run = 0; run < STARTUP_RUNS; run++) {
    try {
      const output = await runWrangler(["check", "startup", "--env", "production", "--outfile", path.join(dir, `startup-${run}.cpuprofile`)]);
      const active = /Active:\s*([\d.]+)\s*ms/.exec(output);
      if (active) startups.push(Number(active[1]));
    } catch (error) {
      console.log(`Startup: not measured (wrangler check startup failed: ${String(error.message ?? error).split("\n")[0]})`);
      break;
    }
  }
  if (startups.length > 0) {
    const sorted = [...startups].sort((a, b) => a - b);
    console.log(`Startup (wrangler check startup, local workerd): median ${sorted[Math.floor(sorted.length / 2)]} ms of ${startups.join(", ")} ms`);
  }

  process.exitCode = over ? 1 : 0;
} catch {
  // reported above
} finally {
  rmSync(dir, { recursive: true, force: true });
}
