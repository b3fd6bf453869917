// npm run check:deploy-defaults (CI, and `npm run deploy` before it deploys) — what a plain
// `wrangler deploy` ships must be production, with nothing of development in it.
//
//   node scripts/check-deploy-defaults.mjs [--config path/to/wrangler.toml]
//
// 1. Runs `wrangler deploy --dry-run` WITHOUT `--env` into a temporary directory: the config must
//    build into a Worker, and the dry run's own list of bindings must show ENVIRONMENT "production".
// 2. Reads the effective top-level config through wrangler's own parser (`unstable_readConfig`,
//    redirected configs included) and fails on any development setting: ENVIRONMENT other than
//    "production", EMAIL_PROVIDER=outbox or any unknown provider, an APP_URL that is not public
//    https, any var holding the value development gives it (scripts/lib/dev-vars.mjs), or a
//    secret-looking var with a value (a fixed key: secrets go through `wrangler secret put`).
//
// Exit codes: 0 production-safe, 1 a development setting (each one listed), 3 wrangler failed.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";
import { DEV_VARS } from "./lib/dev-vars.mjs";
import { ROOT, runWrangler } from "./lib/dev-server.mjs";

const EMAIL_PROVIDERS = new Set(["resend", "cloudflare"]);
const SECRET_NAME = /SECRET|API_KEY|TOKEN|PASSWORD|PRIVATE/i;
const LOOPBACK_HOST = /^(localhost|.*\.localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\])$/i;

/** What is wrong with the top-level vars for production; empty when nothing is. */
export function developmentSettings(vars) {
  const problems = [];
  if (vars.ENVIRONMENT !== "production") problems.push(`ENVIRONMENT is ${JSON.stringify(vars.ENVIRONMENT)}, not "production"`);
  if (!EMAIL_PROVIDERS.has(vars.EMAIL_PROVIDER)) {
    problems.push(
      `EMAIL_PROVIDER is ${JSON.stringify(vars.EMAIL_PROVIDER)}: production sends with ${[...EMAIL_PROVIDERS].join(" or ")} (outbox is development only)`,
    );
  }
  let appUrl = null;
  try {
    appUrl = new URL(vars.APP_URL);
  } catch {
    // reported below
  }
  if (!appUrl || appUrl.protocol !== "https:" || LOOPBACK_HOST.test(appUrl.hostname)) {
    problems.push(`APP_URL is ${JSON.stringify(vars.APP_URL)}: production needs its public https:// origin`);
  }
  for (const [name, value] of Object.entries(DEV_VARS)) {
    if (vars[name] === value && !problems.some((p) => p.startsWith(`${name} `)))
      problems.push(`${name} holds the development value ${JSON.stringify(value)}`);
  }
  for (const [name, value] of Object.entries(vars)) {
    if (SECRET_NAME.test(name) && value !== "")
      problems.push(`${name} has a value in the config: a fixed key ships with every deploy (use \`wrangler secret put ${name}\`)`);
  }
  return problems;
}

/** The `env.NAME ("value")` lines of a dry run's binding table (values may be shortened). */
export function printedVars(output) {
  return Object.fromEntries(
    [...output.matchAll(/^env\.([A-Z0-9_]+) \("(.*?)(?:\.\.\.)?"\)\s+Environment Variable/gm)].map(([, name, value]) => [name, value]),
  );
}

async function main() {
  const flag = process.argv.indexOf("--config");
  const configPath = path.resolve(flag >= 0 ? (process.argv[flag + 1] ?? "") : path.join(ROOT, "wrangler.toml"));
  const shown = path.relative(process.cwd(), configPath) || configPath;

  const outdir = mkdtempSync(path.join(os.tmpdir(), "check-deploy-defaults-"));
  let printed;
  try {
    const output = await runWrangler(["deploy", "--dry-run", "--config", configPath, "--outdir", outdir], { timeoutMs: 180_000 });
    printed = printedVars(output);
  } catch (error) {
    console.error(`wrangler deploy --dry-run (no --env) failed for ${shown}:\n${String(error.message ?? error)}`);
    return 3;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }

  let config;
  try {
    config = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  } catch (error) {
    console.error(`wrangler could not read ${shown}: ${String(error.message ?? error)}`);
    return 3;
  }
  const vars = { ...config.vars };
  const problems = developmentSettings(vars);
  if (printed.ENVIRONMENT !== "production")
    problems.push(`the dry run's bindings show ENVIRONMENT ${JSON.stringify(printed.ENVIRONMENT ?? null)}, not "production"`);

  if (problems.length > 0) {
    console.error(`A plain \`wrangler deploy\` of ${shown} would ship development settings:`);
    for (const problem of problems) console.error(`  - ${problem}`);
    console.error("The top level of wrangler.toml is production; development values belong in scripts/lib/dev-vars.mjs only.");
    return 1;
  }
  console.log(
    `${shown}: a plain \`wrangler deploy\` ships production (ENVIRONMENT=${vars.ENVIRONMENT}, EMAIL_PROVIDER=${vars.EMAIL_PROVIDER}, APP_URL=${vars.APP_URL}); no development setting.`,
  );
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main();
