// `npm run dev`: the Worker in development mode on http://localhost:8787 (wrangler.toml's [dev]),
// with D1, KV, Queues and the email outbox local. Copies the /docs assets, applies the D1
// migrations locally, then runs `wrangler dev` with the development vars (scripts/lib/dev-vars.mjs)
// laid over wrangler.toml's top level, which is production. Arguments are passed on to wrangler
// dev: `npm run dev -- --port 8788`.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { copyDocsAssets } from "./copy-docs-assets.mjs";
import { DEV_VARS, devVarArgs } from "./lib/dev-vars.mjs";
import { ROOT } from "./lib/dev-server.mjs";

const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

copyDocsAssets();
const migrate = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local"], { cwd: ROOT, stdio: "inherit" });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

// wrangler prints vars given on the command line as "(hidden)": say which mode this is.
// (The fixed development signing keys are long and say nothing: named, not printed.)
const shown = (key, value) => (key === "JWT_SIGNING_KEYS" ? "(the development keys)" : value);
console.log(`Development mode (scripts/lib/dev-vars.mjs): ${Object.entries(DEV_VARS).map(([key, value]) => `${key}=${shown(key, value)}`).join(", ")}`);
const dev = spawn(process.execPath, [WRANGLER, "dev", ...devVarArgs(), ...process.argv.slice(2)], { cwd: ROOT, stdio: "inherit" });
// Ctrl-C reaches wrangler through the terminal; a signal sent to this process alone is passed on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
