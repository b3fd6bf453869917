import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { MEMBER_SEARCH_WALK_LIMIT, membersPageQuery } from "../../src/services/members/members";
import { countingEnv, get, recordingEnv } from "../helpers/api";
import { seedOrganization, uniqueEmail } from "../helpers/factories";

/**
 * A small organization's member search walks its own rows (services/members/members.ts), so its
 * cost does not grow with what other organizations hold; a big one's goes through the full-text
 * index. Both must answer exactly what the index answers, in the same order, with cursors that
 * work across the two.
 */

/** Members written straight to D1 in one statement (the triggers index and count them). */
async function seedMembers(organizationId: string, names: string[]) {
  const rows = names.map((name, i) => ({
    user: `usr_${organizationId.slice(4)}${String(i).padStart(6, "0")}`,
    name,
    email: uniqueEmail(`m${i}`),
  }));
  const now = Date.now();
  for (const row of rows) {
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO users (id, email, name, password_hash, is_super_admin, email_verified, created_at, updated_at) VALUES (?, ?, ?, 'x', 0, 1, ?, ?)",
      ).bind(row.user, row.email, row.name, now, now),
      env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)").bind(
        `mem_${row.user.slice(4)}`,
        organizationId,
        row.user,
        now,
      ),
    ]);
  }
  return rows;
}

/** What the full-text index answers for the organization, in its order (the reference). */
async function indexAnswer(organizationId: string, q: string) {
  const query = membersPageQuery({ organizationId, limit: 1000, q });
  const { results } = await env.DB.prepare(query.sql)
    .bind(...query.params)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Every page of `GET /members?q=` followed through its cursors, `limit` at a time. */
async function allPages(token: string, q: string, limit: number, served?: Env) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const path: `/api/organizations/members?${string}` = `/api/organizations/members?q=${encodeURIComponent(q)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await get(path, { token, env: served });
    expect(res.status).toBe(200);
    ids.push(...res.body.data.map((member) => member.id));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

describe("member search on a small organization walks its own rows", () => {
  it("answers what the index answers, case-insensitively, on name or email, in the index's order", async () => {
    const owner = await seedOrganization("Walk Tours");
    await seedMembers(owner.organization.id, ["Olivia Park", "OLIVER Stone", "Élodie Olivares", "Sam Reed", "Noor Olive"]);
    for (const q of ["oliv", "OLIV", "élodie", "ÉLODIE", "reed", "example.com", "zzqx", "e ol"]) {
      const { ids } = await allPages(owner.token, q, 100);
      expect(ids, q).toEqual(await indexAnswer(owner.organization.id, q));
    }
    const { ids } = await allPages(owner.token, "oliv", 100);
    expect(ids).toHaveLength(4);
  });

  it("pages through its cursors like the index does, one D1 call per page", async () => {
    const owner = await seedOrganization("Walk Pages");
    await seedMembers(
      owner.organization.id,
      Array.from({ length: 9 }, (_, i) => `Guide ${i}`),
    );
    const { ids, pages } = await allPages(owner.token, "guide", 2);
    expect(ids).toEqual(await indexAnswer(owner.organization.id, "guide"));
    expect(ids).toHaveLength(9);
    expect(pages).toBe(5);
    await get("/api/organizations/members?q=guide", { token: owner.token }); // warm the caches
    const { env: counted, counts } = countingEnv();
    const res = await get("/api/organizations/members?q=guide&limit=3", { token: owner.token, env: counted });
    expect(res.status).toBe(200);
    expect(counts).toEqual({ d1: 1, kv: 0 });
  });

  it("a big organization searches through the index, with the same answer and a cursor either way accepts", async () => {
    const owner = await seedOrganization("Index Tours");
    await seedMembers(
      owner.organization.id,
      Array.from({ length: 6 }, (_, i) => `Rider ${i}`),
    );
    // Told it is big (the stored count drives the choice), before its record is first cached.
    const big = await seedOrganization("Big Tours");
    await seedMembers(
      big.organization.id,
      Array.from({ length: 6 }, (_, i) => `Rider ${i}`),
    );
    await env.DB.prepare("UPDATE organizations SET member_count = ? WHERE id = ?")
      .bind(MEMBER_SEARCH_WALK_LIMIT + 1, big.organization.id)
      .run();
    const { env: recording, statements } = recordingEnv();
    const small = await allPages(owner.token, "rider", 4, recording);
    const walked = statements.filter((sql) => sql.includes("members_organization_id_rowid_idx"));
    expect(walked.length).toBeGreaterThan(0);
    statements.length = 0;
    const large = await allPages(big.token, "rider", 4, recording);
    expect(statements.some((sql) => sql.includes("members_organization_id_rowid_idx"))).toBe(false);
    expect(statements.some((sql) => / MATCH /.test(sql))).toBe(true);
    expect(small.ids).toEqual(await indexAnswer(owner.organization.id, "rider"));
    expect(large.ids).toEqual(await indexAnswer(big.organization.id, "rider"));
  });

  it("an organization that outgrew its cached count mid-walk still gets every match through the cursor", async () => {
    const owner = await seedOrganization("Growing Tours");
    await get("/api/organizations/members?q=walker", { token: owner.token }); // its record cached while small
    await seedMembers(
      owner.organization.id,
      Array.from({ length: MEMBER_SEARCH_WALK_LIMIT + 40 }, (_, i) =>
        i % 50 === 0 || i > MEMBER_SEARCH_WALK_LIMIT ? `Walker ${i}` : `Other ${i}`,
      ),
    );
    const { ids } = await allPages(owner.token, "walker", 100);
    expect(ids).toEqual(await indexAnswer(owner.organization.id, "walker"));
    expect(ids.length).toBe(11 + 39); // i = 0, 50, …, 500 and i = 501…539
  });
});
