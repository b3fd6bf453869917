// node bench/alias-cost.mjs — what each wrangler.toml `[alias]` entry saves: for the full config and
// for the config with one alias removed at a time, the production dry-run bundle's gzip bytes and the
// median `wrangler check startup` time. The figures in docs/performance.md "Bundle and startup" come
// from here. Writes a temporary config beside wrangler.toml (relative paths resolve from there) and
// removes it at the end.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ALIASES } from "../scripts/lib/aliases.mjs";
import { ROOT, runWrangler } from "../scripts/lib/dev-server.mjs";

const RUNS = Number(process.env.STARTUP_RUNS ?? 3);
const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const tempConfig = path.join(ROOT, "wrangler.alias-cost.toml");
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(config) {
  writeFileSync(tempConfig, config);
  const dir = mkdtempSync(path.join(os.tmpdir(), "alias-cost-"));
  try {
    await runWrangler(["deploy", "--dry-run", "-c", tempConfig, "--outdir", dir]);
    let gzip = 0;
    for (const name of readdirSync(dir).filter((n) => /\.(m?js|wasm)$/.test(n)))
      gzip += gzipSync(readFileSync(path.join(dir, name)), { level: 9 }).length;
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const output = await runWrangler(["check", "startup", "-c", tempConfig, "--outfile", path.join(dir, `p${run}.cpuprofile`)]);
      const active = /Active:\s*([\d.]+)\s*ms/.exec(output);
      if (active && Number(active[1]) > 0) runs.push(Number(active[1]));
    }
    return { gzip, startup: runs.length ? median(runs) : NaN, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const base = await measure(toml);
  console.log(`all aliases: ${base.gzip} B gzip, startup median ${base.startup} ms (${base.runs.join(", ")})`);
  const lineOf = (alias) => {
    const line = `${JSON.stringify(alias.find)} = ${JSON.stringify(alias.replacement)}`;
    if (!toml.includes(line)) throw new Error(`wrangler.toml has no line ${line}`);
    return line;
  };
  // One alias at a time, then the groups that only work together (the zod stubs share one module).
  // Or, given arguments, each a comma-separated set of aliases to KEEP: `node bench/alias-cost.mjs
  // "zod,../pg-core/columns/enum.js"` measures the config with only those (against all of them).
  const sets = process.argv.slice(2).map((arg) => arg.split(","));
  const candidates =
    sets.length > 0
      ? sets.map((keep) => ({ label: `all but [${keep.join(", ")}]`, aliases: ALIASES.filter((a) => !keep.includes(a.find)) }))
      : [
          ...ALIASES.map((alias) => ({ label: alias.find, aliases: [alias] })),
          { label: "every ./src/lib/zod-unused.ts stub", aliases: ALIASES.filter((a) => a.replacement === "./src/lib/zod-unused.ts") },
        ];
  for (const { label, aliases } of candidates) {
    let config = toml;
    for (const alias of aliases) config = config.replace(lineOf(alias), "");
    try {
      const without = await measure(config);
      const dGzip = without.gzip - base.gzip;
      const dStart = without.startup - base.startup;
      console.log(
        `without ${label}: +${dGzip} B gzip (${(dGzip / 1024).toFixed(2)} KiB), startup ${without.startup} ms (${dStart >= 0 ? "+" : ""}${dStart.toFixed(1)} ms; runs ${without.runs.join(", ")})`,
      );
    } catch (error) {
      const reason = /ERROR[^\n]*?\b([A-Z][^\n]*)/.exec(String(error.message))?.[1] ?? String(error.message).split("\n")[0];
      console.log(`without ${label}: the build fails (${reason.replace(ANSI, "").slice(0, 120)})`);
    }
  }
} finally {
  rmSync(tempConfig, { force: true });
}
