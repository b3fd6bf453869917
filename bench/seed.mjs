#!/usr/bin/env node
// Seeds the large-data benchmark's D1 (bench/README.md): 100k users + members in one big
// organization, 100k organizations, 100k invitations, a small organization of 20, and another big
// organization whose BENCH_OTHER_ROWS (default 100k) members all match "guide" — all with
// SQL generators (WITH RECURSIVE) run by `wrangler d1 execute --local --persist-to bench/.state`,
// so the triggers of migrations/0004 build the search indexes and the stored counts as in production.
//
//   npm run bench:seed                               # ~1 minute; `npm run bench` then uses bench/.state (copied per run)
//   BENCH_OTHER_ROWS=200000 npm run bench:seed       # the other organization doubled
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, runWrangler } from "../scripts/lib/dev-server.mjs";

export const STATE_DIR = path.join(ROOT, "bench", ".state");
export const BENCH_USER = { email: "bench-admin@example.com", password: "bench-password-123" };
export const BIG_ORG = "org_01JB0000000000000000000001";
export const SMALL_ORG = "org_01JB0000000000000000000002";
/** A second big organization whose every member matches `guide` (name and email): what a small organization's search must not pay for. */
export const OTHER_ORG = "org_01JB0000000000000000000003";
const N = Number(process.env.BENCH_ROWS ?? 100_000);
const OTHER_N = Number(process.env.BENCH_OTHER_ROWS ?? N);
const ADMIN_ID = "usr_01JA0000000000000000000001";

// Ids shaped like the app's: prefix + 26 Crockford base32 characters (digits are valid ones), sortable.
const id = (prefix, block, n) => `'${prefix}_01${block}' || printf('%022d', ${n})`;

function seedSql() {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(BENCH_USER.password, salt, 100_000, 32, "sha256").toString("hex");
  const passwordHash = `pbkdf2-sha256$100000$${salt.toString("hex")}$${hash}`;
  const now = Date.now();
  const future = now + 6 * 24 * 3600 * 1000;
  const past = now - 30 * 24 * 3600 * 1000;
  const gen = (n) => `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${n})`;
  const invitations = (org, block, n) =>
    `${gen(n)} INSERT INTO invitations (id, organization_id, email, role_key, status, token_hash, inviter_type, inviter_id, inviter_name, expires_at, created_at, accepted_at, email_id, delivery_status)
     SELECT ${id("inv", block, "n")}, '${org}', 'invitee' || n || '@${block.toLowerCase()}.example.com', 'member',
       CASE WHEN n % 10 < 6 THEN 'accepted' WHEN n % 10 = 6 THEN 'revoked' WHEN n % 10 = 7 THEN 'expired' ELSE 'pending' END,
       'bench-token-${block}-' || n, 'user', '${ADMIN_ID}', 'Bench Admin',
       CASE WHEN n % 10 >= 8 THEN ${future} ELSE ${past} END, ${past} + n,
       CASE WHEN n % 10 < 6 THEN ${past} + n ELSE NULL END, ${id("eml", block, "n")}, 'sent' FROM seq;`;
  return [
    `INSERT INTO users (id, email, name, password_hash, is_super_admin, email_verified, email_verified_at, created_at, updated_at) VALUES ('${ADMIN_ID}', '${BENCH_USER.email}', 'Bench Admin', '${passwordHash}', 1, 1, ${now}, ${now}, ${now});`,
    `INSERT INTO organizations (id, name, timezone, created_at, updated_at) VALUES ('${BIG_ORG}', 'Bench Big Org', 'UTC', ${now}, ${now}), ('${SMALL_ORG}', 'Bench Small Org', 'UTC', ${now}, ${now});`,
    `INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES ('mem_01JA0000000000000000000001', '${BIG_ORG}', '${ADMIN_ID}', 'admin', ${now}), ('mem_01JA0000000000000000000002', '${SMALL_ORG}', '${ADMIN_ID}', 'admin', ${now});`,
    // 100k organizations (the Super Admin's list), no members.
    `${gen(N)} INSERT INTO organizations (id, name, timezone, created_at, updated_at) SELECT ${id("org", "JC", "n")}, 'Filler Tours ' || n, 'UTC', ${past} + n, ${past} + n FROM seq;`,
    // The big organization: N users and members (every 1000th an Admin), N invitations.
    `${gen(N)} INSERT INTO users (id, email, name, password_hash, email_verified, created_at, updated_at) SELECT ${id("usr", "JD", "n")}, 'person' || n || '@big.example.com', 'Person ' || n, 'x', 1, ${past} + n, ${past} + n FROM seq;`,
    `${gen(N)} INSERT INTO members (id, organization_id, user_id, role_key, created_at) SELECT ${id("mem", "JD", "n")}, '${BIG_ORG}', ${id("usr", "JD", "n")}, CASE WHEN n % 1000 = 0 THEN 'admin' ELSE 'member' END, ${past} + n FROM seq;`,
    invitations(BIG_ORG, "JD", N),
    // The small organization: 20 members, 20 invitations, same shapes.
    `${gen(20)} INSERT INTO users (id, email, name, password_hash, email_verified, created_at, updated_at) SELECT ${id("usr", "JE", "n")}, 'person' || n || '@small.example.com', 'Person ' || n, 'x', 1, ${past} + n, ${past} + n FROM seq;`,
    `${gen(20)} INSERT INTO members (id, organization_id, user_id, role_key, created_at) SELECT ${id("mem", "JE", "n")}, '${SMALL_ORG}', ${id("usr", "JE", "n")}, 'member', ${past} + n FROM seq;`,
    invitations(SMALL_ORG, "JE", 20),
    // The other big organization: OTHER_N members, every one a "Guide" with a guide… address.
    `INSERT INTO organizations (id, name, timezone, created_at, updated_at) VALUES ('${OTHER_ORG}', 'Bench Guides Org', 'UTC', ${now}, ${now});`,
    `${gen(OTHER_N)} INSERT INTO users (id, email, name, password_hash, email_verified, created_at, updated_at) SELECT ${id("usr", "JF", "n")}, 'guide' || n || '@guides.example.com', 'Guide ' || n, 'x', 1, ${past} + n, ${past} + n FROM seq;`,
    `${gen(OTHER_N)} INSERT INTO members (id, organization_id, user_id, role_key, created_at) SELECT ${id("mem", "JF", "n")}, '${OTHER_ORG}', ${id("usr", "JF", "n")}, 'member', ${past} + n FROM seq;`,
  ].join("\n");
}

async function main() {
  const started = Date.now();
  rmSync(STATE_DIR, { recursive: true, force: true });
  mkdirSync(STATE_DIR, { recursive: true });
  console.log(`bench:seed: migrations into ${STATE_DIR} …`);
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE_DIR]);
  const file = path.join(STATE_DIR, "seed.sql");
  writeFileSync(file, seedSql());
  console.log(
    `bench:seed: ${N} users/members (one organization), ${OTHER_N} more (another, every one a "guide"), ${N} organizations, ${N} invitations …`,
  );
  await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", STATE_DIR, "--file", file, "--yes"], { timeoutMs: 600_000 });
  const check = await runWrangler([
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    STATE_DIR,
    "--json",
    "--command",
    `SELECT (SELECT count(*) FROM members) AS members, (SELECT count(*) FROM organizations) AS organizations, (SELECT count(*) FROM invitations) AS invitations, (SELECT member_count FROM organizations WHERE id = '${BIG_ORG}') AS big_member_count, (SELECT pending_invitation_count FROM organizations WHERE id = '${BIG_ORG}') AS big_pending`,
  ]);
  console.log(`bench:seed: ${check.slice(check.indexOf("[")).replace(/\s+/g, " ").slice(0, 300)}`);
  console.log(`bench:seed: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`bench:seed: ${error?.stack ?? error}`);
    process.exit(1);
  });
}
