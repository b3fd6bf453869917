import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";
import { MAX_ORG_ROLES } from "../../src/services/roles/roles";
import { expectProblem, get, post } from "../helpers/api";
import { storedEvents } from "../helpers/events";
import { seedOrganization } from "../helpers/factories";

/**
 * An organization defines at most 100 roles. The read before the INSERT answers quickly; the INSERT
 * itself (INSERT … SELECT … WHERE count < 100) is what holds the limit when creates race.
 */

/** `n` custom roles written straight to D1 (fast; the API would take a request each). */
async function seedRoles(organizationId: string, n: number) {
  const now = Date.now();
  await env.DB.batch(
    Array.from({ length: n }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO roles (id, organization_id, name, name_key, name_skeleton, description, permissions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', '[]', ?, ?)",
      ).bind(newId("role"), organizationId, `Seeded ${i}`, `seeded ${i}`, `seeded ${i}`, now, now),
    ),
  );
}

const roleCount = async (organizationId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM roles WHERE organization_id = ?").bind(organizationId).first<{ n: number }>())!.n;

describe("the role cap", () => {
  it(`the ${MAX_ORG_ROLES}th role is created; the next one is a 409 and nothing is written`, async () => {
    const owner = await seedOrganization("Capped Tours");
    const orgId = owner.organization.id;
    await seedRoles(orgId, MAX_ORG_ROLES - 1);

    const last = await post("/api/organizations/roles", { name: "The hundredth", permissions: [] }, { token: owner.token });
    expect(last.status, last.text).toBe(201);
    const over = await post("/api/organizations/roles", { name: "One too many", permissions: [] }, { token: owner.token });
    expect(expectProblem(over, 409, "conflict").detail).toBe(`An organization can define at most ${MAX_ORG_ROLES} roles.`);

    expect(await roleCount(orgId)).toBe(MAX_ORG_ROLES);
    expect((await storedEvents(orgId, "role.created")).map((e) => e.data.object.name)).toEqual(["The hundredth"]);
    const listed = await get("/api/organizations/roles", { token: owner.token });
    expect(listed.body.data.filter((r: { source: string }) => r.source === "organization")).toHaveLength(MAX_ORG_ROLES);
  });

  it("creates racing for the last place: every one passes the read, the INSERT lets exactly one in", async () => {
    const owner = await seedOrganization("Raced Cap Tours");
    const orgId = owner.organization.id;
    await seedRoles(orgId, MAX_ORG_ROLES - 1);

    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post("/api/organizations/roles", { name: `Racer ${i}`, permissions: [] }, { token: owner.token }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of results.filter((r) => r.status === 409)) expectProblem(refused, 409, "conflict");

    expect(await roleCount(orgId)).toBe(MAX_ORG_ROLES);
    const created = results.find((r) => r.status === 201)!.body;
    // One event, for the one role that exists: a refused create left none.
    expect((await storedEvents(orgId, "role.created")).map((e) => e.data.object.id)).toEqual([created.id]);
  });
});
