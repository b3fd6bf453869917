import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TRIGGER_NAMES } from "../../src/db/schema/triggers";
import { addMember, seedOrganization } from "../helpers/factories";

/**
 * drizzle-kit knows nothing of triggers: a table rebuild it generates drops a table's triggers
 * without a word. The code's list (src/db/schema/triggers.ts) must match what the migrations leave
 * in the database (test/setup.ts applies them all, as production's `wrangler d1 migrations apply`).
 */
const triggersInDatabase = async () =>
  (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all<{ name: string }>()).results.map(
    (r) => r.name,
  );

describe("triggers (migrations/0008_triggers.sql)", () => {
  it("every trigger the code relies on exists in the migrated database, and no other", async () => {
    const present = await triggersInDatabase();
    expect(
      TRIGGER_NAMES.filter((name) => !present.includes(name)),
      "missing triggers",
    ).toEqual([]);
    expect(
      present.filter((name) => !TRIGGER_NAMES.includes(name)),
      "triggers not listed in src/db/schema/triggers.ts",
    ).toEqual([]);
  });

  it("a member inserted is searchable at once, and counted, in the same statement (search and counter triggers)", async () => {
    const org = await seedOrganization("Trigger Tours");
    const member = await addMember(org.organization.id, "member", "fts-probe");
    const match = `org_id : "${org.organization.id}" AND {name email} : "fts-probe"`;
    const found = await env.DB.prepare(
      "SELECT m.id FROM members_search JOIN members m ON m.rowid = members_search.rowid WHERE members_search MATCH ?",
    )
      .bind(match)
      .all<{ id: string }>();
    expect(found.results.map((r) => r.id)).toEqual([member.member.id]);
    const counted = await env.DB.prepare("SELECT member_count FROM organizations WHERE id = ?")
      .bind(org.organization.id)
      .first<{ member_count: number }>();
    expect(counted?.member_count).toBe(2);

    await env.DB.prepare("DELETE FROM members WHERE id = ?").bind(member.member.id).run();
    const gone = await env.DB.prepare("SELECT count(*) AS n FROM members_search WHERE members_search MATCH ?")
      .bind(match)
      .first<{ n: number }>();
    expect(gone?.n).toBe(0);
  });

  it("a member cannot be given a role the organization does not have (role_not_found)", async () => {
    const org = await seedOrganization("Trigger Roles");
    const write = env.DB.prepare("UPDATE members SET role_key = 'no-such-role' WHERE organization_id = ?").bind(org.organization.id).run();
    await expect(write).rejects.toThrow(/role_not_found/);
    const roles = await env.DB.prepare("SELECT role_key FROM members WHERE organization_id = ?")
      .bind(org.organization.id)
      .all<{ role_key: string }>();
    expect(roles.results.map((r) => r.role_key)).toEqual(["admin"]);
  });
});
