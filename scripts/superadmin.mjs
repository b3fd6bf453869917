#!/usr/bin/env node
// Grants or revokes the Super Admin flag (users.is_super_admin): the only way to do either.
//
//   npm run superadmin -- <email>              grant, on the local D1 that `npm run dev` uses
//   npm run superadmin -- --revoke <email>     revoke
//   npm run superadmin -- --remote <email>     the production D1 (wrangler --remote: the top-level config)
//
// It writes D1 through `wrangler d1 execute` (safe while `npm run dev` is running). Platform routes
// read the flag fresh from D1, so it counts on the next request; the user's KV entry of the auth
// cache is deleted too, so `isSuperAdmin` in GET /api/auth/session follows once the in-isolate copy
// expires (ISOLATE_TTL_MS, 15 s).
//
// A grant needs an account whose address is verified: anyone can sign up with any address, so
// granting an unproven one would make whoever registered `staff@company` first platform staff. The
// guard is in the UPDATE itself; a refused grant changes nothing. `--revoke` works on any account.
//
// Exit codes: 0 done, 1 no user with that email, 2 bad usage, 3 wrangler failed, 4 refused: the
// account's address is not verified.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const USAGE = "usage: npm run superadmin -- [--revoke] [--remote] <email>";
const PROJECT_DIR = fileURLToPath(new URL("..", import.meta.url));

// The API's own email rule (zod's z.email() pattern, on the lower-cased address), so every account
// that can sign up can be granted. Anything else is refused before it gets near SQL.
const EMAIL = /^(?:[a-z0-9_'+-]+\.)*[a-z0-9_'+-]*[a-z0-9_+-]@(?:[a-z0-9][a-z0-9-]*\.)+[a-z]{2,}$/;

function fail(code, message) {
  console.error(message);
  process.exit(code);
}

function parseArgs(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const positional = argv.filter((a) => !a.startsWith("--"));
  for (const flag of flags) if (!["--revoke", "--remote", "--help"].includes(flag)) fail(2, `Unknown option ${flag}.\n${USAGE}`);
  if (flags.has("--help")) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positional.length !== 1) fail(2, USAGE);
  // Stored emails are trimmed and lower-cased (src/services/auth), so normalize the same way.
  const email = positional[0].trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) fail(2, `Not a plain email address: ${JSON.stringify(positional[0])}`);
  return { email, revoke: flags.has("--revoke"), remote: flags.has("--remote") };
}

/** Runs wrangler without a shell (no quoting games); returns stdout, or exits on failure. */
function wrangler(args) {
  const result = spawnSync("npx", ["wrangler", ...args], { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) fail(3, `wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stderr || result.stdout || result.error}`);
  return result.stdout;
}

const { email, revoke, remote } = parseArgs(process.argv.slice(2));
const target = remote ? ["--remote"] : ["--local"];
const where = remote ? "production D1" : "local D1";

// The regex leaves ' as the only character with meaning in a SQL string literal; double it.
const literal = `'${email.replaceAll("'", "''")}'`;
const sql =
  `UPDATE users SET is_super_admin = ${revoke ? 0 : 1}, updated_at = ${Date.now()} WHERE email = ${literal}${revoke ? "" : " AND email_verified = 1"}; ` +
  `SELECT id, is_super_admin, email_verified FROM users WHERE email = ${literal}`;
const output = wrangler(["d1", "execute", "DB", ...target, "--yes", "--json", "--command", sql]);

let user;
try {
  const results = JSON.parse(output);
  user = results[results.length - 1].results[0];
} catch {
  fail(3, `Unexpected output from wrangler d1 execute:\n${output}`);
}
if (!user) fail(1, `No user with email ${email} in the ${where}. They must sign up first.`);
if (!revoke && !user.email_verified) {
  fail(
    4,
    `Refused: ${email} (${user.id}) has not verified its email address, so nobody has proved it belongs to them. ` +
      `Nothing was changed. Ask them to open the verification link we emailed (or request a new one with POST /api/auth/email-verification), then run this again.`,
  );
}

// The auth cache's KV key for a user (TieredCache name "user", see src/cache/auth-cache.ts).
wrangler(["kv", "key", "delete", "--binding", "AUTH_CACHE", ...target, `user:${user.id}`]);

const bound = remote ? "75 s (15 s in-isolate + 60 s KV edge cache)" : "15 s (the in-isolate cache TTL)";
// Platform routes read the flag from D1 on every request; only the session view's display lags.
console.log(
  `${email} (${user.id}) ${user.is_super_admin ? "is now a Super Admin" : "is no longer a Super Admin"} in the ${where}. ` +
    `Platform routes see it on the next request; GET /api/auth/session shows it within ${bound}.`,
);
