import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { del, expectProblem, get, patch } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";

describe("tenant isolation", () => {
  it("org B's member and role ids used with org A's credentials are 404 on every method, and B is unchanged", async () => {
    const a = await signUp();
    const b = await signUp();
    const bRole = await createRole(b.token, "B Role", []);
    const bMember = await addMember(b.organization.id, "b role");
    const aKey = await createKey(a.token, "Admin");
    const snapshot = async () => ({
      members: (await env.DB.prepare("SELECT * FROM members WHERE organization_id = ? ORDER BY id").bind(b.organization.id).all()).results,
      roles: (await env.DB.prepare("SELECT * FROM roles WHERE organization_id = ? ORDER BY id").bind(b.organization.id).all()).results,
    });
    const before = await snapshot();
    for (const token of [a.token, aKey.key]) {
      expectProblem(await patch(`/api/organizations/members/${bMember.member.id}`, { role: "Member" }, { token }), 404, "not_found");
      expectProblem(await del(`/api/organizations/members/${bMember.member.id}`, { token }), 404, "not_found");
      expectProblem(await patch(`/api/organizations/roles/${bRole.id}`, { description: "pwned" }, { token }), 404, "not_found");
      expectProblem(await del(`/api/organizations/roles/${bRole.id}`, { token }), 404, "not_found");
      const list = await get("/api/organizations/members", { token });
      expect(list.body.data.map((m) => m.id)).not.toContain(bMember.member.id);
      const roles = await get("/api/organizations/roles", { token });
      expect(roles.body.data.map((r) => r.id)).not.toContain(bRole.id);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("malformed ids are 404s, never 500s", async () => {
    const owner = await signUp();
    for (const id of ["x", "mem_", "' OR 1=1 --", "%00", "role_system_admin'"]) {
      const path = encodeURIComponent(id);
      expect((await patch(`/api/organizations/members/${path}`, { role: "Member" }, { token: owner.token })).status).toBe(404);
      expect((await del(`/api/organizations/roles/${path}`, { token: owner.token })).status).toBe(404);
    }
  });
});
