// `npm run dev`: the Worker in development mode on http://localhost:8787 (wrangler.toml's [dev]),
// with D1, KV, Queues and the email outbox local. Copies the /docs assets, applies the D1
// migrations locally (one summary line; wrangler's full output only if it fails), then runs
// `wrangler dev` with the development vars (scripts/lib/dev-vars.mjs) laid over wrangler.toml's top
// level, which is production. Arguments are passed on to wrangler dev: `npm run dev -- --port 8788`.
//
// wrangler dev prints its bindings table again whenever its local dev registry reports in (once
// more just after start, the same table): that repeat is dropped, everything else wrangler prints
// passes through. Filtering means wrangler's output is not a terminal, so its hotkey bar ([b] open
// a browser, [d] devtools…) is not offered; `DEV_RAW=1 npm run dev` hands wrangler the terminal as
// it is (hotkeys, and the repeated table). docs/operations.md lists what a start prints, and why.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { copyDocsAssets } from "./copy-docs-assets.mjs";
import { DEV_VARS, devVarArgs } from "./lib/dev-vars.mjs";
import { ROOT } from "./lib/dev-server.mjs";

const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const raw = process.env.DEV_RAW === "1";
// The Worker never reads request.cf, so miniflare's fetch of a sample one (which warns with a stack
// trace when offline, and waits up to 3 s for it, twice) is skipped: its placeholder is used.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false" };

copyDocsAssets();

const migrations = readdirSync(path.join(ROOT, "migrations")).filter((name) => name.endsWith(".sql"));
const migrate = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local"], {
  cwd: ROOT,
  env: { ...env, CI: "true", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1" },
  encoding: "utf8",
});
const migrateOutput = `${migrate.stdout ?? ""}${migrate.stderr ?? ""}`;
if (migrate.status !== 0) {
  process.stderr.write(migrateOutput);
  console.error(`D1 (local): applying migrations failed (wrangler exited with ${migrate.status ?? migrate.signal})`);
  process.exit(migrate.status ?? 1);
}
const applied = /About to apply (\d+) migration/.exec(migrateOutput)?.[1];
console.log(
  applied
    ? `D1 (local, .wrangler/state): applied ${applied} migration(s) of ${migrations.length} in migrations/`
    : `D1 (local, .wrangler/state): up to date (${migrations.length} migrations in migrations/)`,
);

// wrangler prints vars given on the command line as "(hidden)": say which mode this is.
// (The fixed development signing keys are long and say nothing: named, not printed.)
const shown = (key, value) => (key === "JWT_SIGNING_KEYS" ? "(the development keys)" : value);
console.log(
  `Development mode (scripts/lib/dev-vars.mjs): ${Object.entries(DEV_VARS)
    .map(([key, value]) => `${key}=${shown(key, value)}`)
    .join(", ")}`,
);
const dev = spawn(process.execPath, [WRANGLER, "dev", ...devVarArgs(), ...process.argv.slice(2)], {
  cwd: ROOT,
  env: raw ? env : { ...env, ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1" } : {}) },
  stdio: raw ? "inherit" : ["inherit", "pipe", "pipe"],
});

/** Passes wrangler's lines through, less every bindings table after the first (a table ends at a blank line). */
function passThrough(stream, out) {
  let tables = 0;
  let dropping = false;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
    if (line.includes("has access to the following bindings:")) {
      tables++;
      dropping = tables > 1;
    } else if (dropping && line.trim() === "") {
      dropping = false;
      return;
    }
    if (!dropping) out.write(`${line}\n`);
  });
}
if (!raw) {
  passThrough(dev.stdout, process.stdout);
  passThrough(dev.stderr, process.stderr);
}
// Ctrl-C reaches wrangler through the terminal; a signal sent to this process alone is passed on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
