// npm run check:bundle — the production bundle's size, and its startup time.
//
// Builds exactly what `npm run deploy` would upload (`wrangler deploy --dry-run`, the top level)
// into a temporary directory, gzips the worker's modules (source maps aside) and fails above
// LIMIT_KIB. Prints the largest inputs from the esbuild metafile, so a new heavy dependency shows
// up by name. Then profiles the startup with `wrangler check startup` (local workerd, offline) and
// prints the median of a few runs, for the deployed entry and for one that builds the whole HTTP app
// at module load (their difference is what building every route group costs; the first HTTP request
// builds only its own groups: `npm run bench:first-request` measures it): informative only, it
// varies too much between machines and runs to fail CI on.
//
// Before and after the build it checks the aliases (scripts/lib/aliases.mjs, checked by
// scripts/lib/check-aliases.mjs): wrangler.toml's `[alias]`, as wrangler's own parser reads it, must
// equal the shared module; every package file an alias replaces, and every importer it is meant for,
// must still exist; the metafile must hold none of the replaced modules, and no other module may
// import an aliased specifier.
//
// Exit codes: 0 within the limit, 1 over it (or an alias problem, or a module importing `z` around
// src/lib/zod.ts), 3 wrangler failed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { experimental_readRawConfig } from "wrangler";
import { ALIASES } from "./lib/aliases.mjs";
import { checkAliases } from "./lib/check-aliases.mjs";
import { ROOT, runWrangler } from "./lib/dev-server.mjs";

const LIMIT_KIB = 160; // docs/performance.md "Bundle and startup": why this figure
const STARTUP_RUNS = 3;

const kib = (bytes) => (bytes / 1024).toFixed(2);

// The app's `z` is the curated one (src/lib/zod.ts). A module taking `z` from "zod" or
// "@hono/zod-openapi" would typecheck against the whole of zod, while the bundle hands it the
// curated namespace: a builder missing there would be `undefined` only in production. Refuse it.
const zodBypasses = readdirSync("src", { recursive: true })
  .filter((file) => /\.tsx?$/.test(file) && !/^lib\/zod[^/]*\.ts$/.test(file))
  .filter((file) => {
    const source = readFileSync(path.join("src", file), "utf8");
    return /from\s+["']zod(?:\/v4)?["']/.test(source) || /import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*["']@hono\/zod-openapi["']/.test(source);
  });
if (zodBypasses.length > 0) {
  console.error(`Import z from src/lib/zod.ts, not from "zod" or "@hono/zod-openapi": ${zodBypasses.map((f) => `src/${f}`).join(", ")}`);
  process.exit(1);
}

const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, "wrangler.toml") });
const aliasInput = { aliases: ALIASES, wranglerAlias: rawConfig.alias, exists: (file) => existsSync(path.join(ROOT, file)) };
const reportAliasProblems = (problems) => {
  for (const problem of problems) console.error(`Alias: ${problem}`);
  return problems.length > 0;
};
if (reportAliasProblems(checkAliases(aliasInput))) process.exit(1);

const dir = mkdtempSync(path.join(os.tmpdir(), "check-bundle-"));

try {
  const metafile = path.join(dir, "meta.json");
  try {
    await runWrangler(["deploy", "--dry-run", "--outdir", dir, "--metafile", metafile]);
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

  const aliasesBroken = reportAliasProblems(checkAliases({ ...aliasInput, metafile: meta }));
  if (!aliasesBroken)
    console.log(
      `Aliases: ${ALIASES.length} (scripts/lib/aliases.mjs) match wrangler.toml, their targets exist, and the bundle holds none of the modules they replace`,
    );

  const over = gzip > LIMIT_KIB * 1024;
  console.log(`Worker bundle: ${kib(raw)} KiB, ${kib(gzip)} KiB gzip (limit ${LIMIT_KIB} KiB gzip) — ${over ? "OVER THE LIMIT" : "ok"}`);

  // Startup as deployed (src/index.ts evaluates the HTTP app's base at module load and builds the
  // rest on first use, the route groups one by one), and as it would be with the whole HTTP app
  // built at module load (bench/eager-entry.ts): the difference is what building every group costs.
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const measureStartup = async (label, extraArgs) => {
    const runs = [];
    for (let run = 0; run < STARTUP_RUNS; run++) {
      const args = ["check", "startup", "--outfile", path.join(dir, `startup-${label}-${run}.cpuprofile`)];
      if (extraArgs) args.push("--args", extraArgs);
      try {
        const output = await runWrangler(args);
        const active = /Active:\s*([\d.]+)\s*ms/.exec(output);
        // A profile too short to hold a CPU sample reports 0 ms: not a measurement.
        if (active && Number(active[1]) > 0) runs.push(Number(active[1]));
      } catch (error) {
        console.log(`Startup (${label}): not measured (wrangler check startup failed: ${String(error.message ?? error).split("\n")[0]})`);
        return undefined;
      }
    }
    return runs.length > 0 ? { median: median(runs), runs } : undefined;
  };
  const deployed = await measureStartup("deployed");
  const eager = await measureStartup("eager", "bench/eager-entry.ts");
  if (deployed)
    console.log(`Startup (wrangler check startup, local workerd): median ${deployed.median} ms of ${deployed.runs.join(", ")} ms`);
  if (eager)
    console.log(
      `  with the HTTP app built at module load (bench/eager-entry.ts): median ${eager.median} ms of ${eager.runs.join(", ")} ms`,
    );
  if (deployed && eager)
    console.log(
      `  → building every route group: ~${Math.max(0, eager.median - deployed.median).toFixed(1)} ms (a first request builds only its own: npm run bench:first-request)`,
    );

  process.exitCode = over || aliasesBroken ? 1 : 0;
} catch {
  // reported above
} finally {
  rmSync(dir, { recursive: true, force: true });
}
