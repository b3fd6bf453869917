import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import { newId } from "../../src/lib/ids";
import { del, expectProblem, get, patch, post, type ApiResponse } from "../helpers/api";
import { testContext } from "../helpers/context";
import { addMember, createKey, createRole, seedOrganization, uniqueEmail } from "../helpers/factories";
import { permissionCatalog } from "../../src/domain/permissions";

const ROUNDS = 25;
/** Lets `n` D1 round trips go by: the writes of concurrent requests queue on D1 in the order they reach it. */
async function afterRoundTrips(n: number) {
  for (let i = 0; i < n; i++) await env.DB.prepare("SELECT 1").first();
}

/** Each concurrent op ends in success or in its one clean refusal; never a 500. */
function outcome(label: string, res: ApiResponse<unknown>, success: number): "ok" | "refused" {
  if (res.status === success) return "ok";
  if (res.status >= 500) throw new Error(`${label}: ${res.status} ${res.text}`);
  if (label === "delete") {
    expectProblem(res, 409, "role_in_use");
  } else {
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.detail, label).toMatch(/No role named/);
  }
  return "refused";
}

/** Holders in `orgId` whose custom role has no row in that organization's roles. */
async function orphans(orgId: string) {
  const counts: Record<string, number> = {};
  for (const table of ["members", "api_keys", "invitations"]) {
    const row = await env.DB.prepare(
      `SELECT count(*) AS n FROM ${table} h WHERE h.organization_id = ?1 AND h.role_key NOT IN ('admin', 'member')
         AND NOT EXISTS (SELECT 1 FROM roles r WHERE r.organization_id = h.organization_id AND r.name_key = h.role_key)`,
    )
      .bind(orgId)
      .first<{ n: number }>();
    counts[table] = row!.n;
  }
  return counts;
}

describe("a role deleted while it is being assigned", () => {
  it(`never leaves a holder with a missing role (${ROUNDS} concurrent rounds)`, async () => {
    const owner = await seedOrganization("Race Tours");
    const orgId = owner.organization.id;
    const member = await addMember(orgId, "member", "racer");
    const tally = { deleted: 0, kept: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      const role = await createRole(owner.token, `Racer ${round}`, ["users.read"]);
      // Each op starts 0–2 D1 round trips late, a different mix every round, so the delete lands
      // before, after and between the three assignments.
      const [d, a, k, i] = [round % 3, Math.floor(round / 3) % 3, Math.floor(round / 9) % 3, (round + 1) % 2];
      const [removed, assigned, keyed, invited] = await Promise.all([
        afterRoundTrips(d).then(() => del(`/api/organizations/roles/${role.id}`, { token: owner.token })),
        afterRoundTrips(a).then(() => patch(`/api/organizations/members/${member.member.id}`, { role: role.name }, { token: owner.token })),
        afterRoundTrips(k).then(() =>
          post("/api/organizations/api-keys", { name: `racer key ${round}`, role: role.name }, { token: owner.token }),
        ),
        afterRoundTrips(i).then(() =>
          post("/api/organizations/invitations", { email: uniqueEmail("race"), role: role.name }, { token: owner.token }),
        ),
      ]);
      const results = {
        delete: outcome("delete", removed, 204),
        assign: outcome("assign", assigned, 200),
        key: outcome("key", keyed, 201),
        invite: outcome("invite", invited, 201),
      };
      // All or nothing: either the role went and nobody got it, or the role stayed and everybody got it.
      const holders = results.delete === "ok" ? "refused" : "ok";
      expect({ assign: results.assign, key: results.key, invite: results.invite }, `round ${round}`).toEqual({
        assign: holders,
        key: holders,
        invite: holders,
      });
      const roleRow = await env.DB.prepare("SELECT count(*) AS n FROM roles WHERE id = ?").bind(role.id).first<{ n: number }>();
      expect(roleRow!.n).toBe(results.delete === "ok" ? 0 : 1);
      tally[results.delete === "ok" ? "deleted" : "kept"]++;
    }

    // The staggering makes both orders happen; otherwise this test would prove only one side.
    expect(tally.deleted).toBeGreaterThan(0);
    expect(tally.kept).toBeGreaterThan(0);
    expect(await orphans(orgId)).toEqual({ members: 0, api_keys: 0, invitations: 0 });
  });

  it("the trigger refuses a direct INSERT of a member with a role the organization does not have", async () => {
    const owner = await seedOrganization();
    const other = await seedOrganization();
    const insert = env.DB.prepare(
      "INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'ghost', ?)",
    ).bind(newId("mem"), other.organization.id, owner.user.id, Date.now());
    await expect(insert.run()).rejects.toThrow(/role_not_found/);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM members WHERE user_id = ?").bind(owner.user.id).first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("the triggers refuse moving an existing member, key or invitation onto a missing role", async () => {
    const owner = await seedOrganization();
    await expect(env.DB.prepare("UPDATE members SET role_key = 'ghost' WHERE user_id = ?").bind(owner.user.id).run()).rejects.toThrow(
      /role_not_found/,
    );
    const key = await createKey(owner.token, "Member");
    await expect(env.DB.prepare("UPDATE api_keys SET role_key = 'ghost' WHERE id = ?").bind(key.id).run()).rejects.toThrow(
      /role_not_found/,
    );
    const inv = await post("/api/organizations/invitations", { email: uniqueEmail("ghost"), role: "Member" }, { token: owner.token });
    expect(inv.status).toBe(201);
    await expect(env.DB.prepare("UPDATE invitations SET role_key = 'ghost' WHERE id = ?").bind(inv.body.id).run()).rejects.toThrow(
      /role_not_found/,
    );
    const roleKeys = await env.DB.prepare(
      "SELECT (SELECT role_key FROM members WHERE user_id = ?1) AS m, (SELECT role_key FROM api_keys WHERE id = ?2) AS k, (SELECT role_key FROM invitations WHERE id = ?3) AS i",
    )
      .bind(owner.user.id, key.id, inv.body.id)
      .first();
    expect(roleKeys).toEqual({ m: "admin", k: "member", i: "member" });
  });
});

describe("a holder whose role row vanished behind the API's back", () => {
  it("fails closed: role_unresolved, every permission false, and org routes are 403", async () => {
    const owner = await seedOrganization("Fail Closed Tours");
    const orgId = owner.organization.id;
    const role = await createRole(owner.token, "Temp", ["users.read"]);
    const holder = await addMember(orgId, "member", "temp-holder");
    expect((await patch(`/api/organizations/members/${holder.member.id}`, { role: "Temp" }, { token: owner.token })).status).toBe(200);

    const before = await get("/api/organizations/me/permissions", { token: holder.token });
    expect(before.body.role.id).toBe(role.id);
    expect(before.body.permissions["users.read"]).toBe(true);
    expect((await get("/api/organizations/members", { token: holder.token })).status).toBe(200);

    await env.DB.prepare("DELETE FROM roles WHERE id = ?").bind(role.id).run();
    await authCache.invalidateOrganization(testContext(), orgId);

    const after = await get("/api/organizations/me/permissions", { token: holder.token });
    expect(after.status).toBe(200);
    expect(after.body.role.id).toBe("role_unresolved");
    expect(after.body.permissions).toEqual(Object.fromEntries(permissionCatalog(env).all.map((p) => [p, false])));
    expectProblem(await get("/api/organizations/members", { token: holder.token }), 403, "forbidden");
    expectProblem(await get("/api/organizations/roles", { token: holder.token }), 403, "forbidden");
  });
});
