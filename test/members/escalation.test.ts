import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, del, expectProblem, get, patch } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";
import { adminCount } from "../helpers/members";

describe("no escalation", () => {
  async function setup() {
    const owner = await signUp();
    // Can update users, and read, but not delete roles.
    await createRole(owner.token, "Updater", ["users.read", "users.update"]);
    await createRole(owner.token, "Role Deleter", ["roles.delete"]);
    await createRole(owner.token, "Reader", ["users.read"]);
    const updater = await addMember(owner.organization.id, "updater", "updater");
    const target = await addMember(owner.organization.id, "reader", "target");
    return { owner, updater, target };
  }

  it("a role with users.update but not roles.delete cannot assign a role that has roles.delete (403)", async () => {
    const { updater, target } = await setup();
    const res = await patch(`/api/organizations/members/${target.member.id}`, { role: "Role Deleter" }, { token: updater.token });
    expect(expectProblem(res, 403, "forbidden").detail).toContain("roles.delete");
    const row = await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(target.member.id).first();
    expect(row).toEqual({ role_key: "reader" });
    // …nor promote themselves
    expectProblem(
      await patch(`/api/organizations/members/${updater.member.id}`, { role: "Admin" }, { token: updater.token }),
      403,
      "forbidden",
    );
  });

  it("…can assign a role within its own permissions", async () => {
    const { updater, target } = await setup();
    const res = await patch(`/api/organizations/members/${target.member.id}`, { role: "Updater" }, { token: updater.token });
    expect(res.status).toBe(200);
    expect(res.body.role.name).toBe("Updater");
  });

  it("…cannot create such a role (403)", async () => {
    const { owner } = await setup();
    await createRole(owner.token, "Role Maker", ["roles.create", "users.update"]);
    const maker = await addMember(owner.organization.id, "role maker");
    const res = await call("POST", "/api/organizations/roles", {
      token: maker.token,
      body: { name: "Deleter 2", permissions: ["roles.delete"] },
    });
    expectProblem(res, 403, "forbidden");
    const row = await env.DB.prepare("SELECT id FROM roles WHERE organization_id = ? AND name_key = 'deleter 2'")
      .bind(owner.organization.id)
      .first();
    expect(row).toBeNull();
  });

  it("…cannot demote or remove an Admin (403)", async () => {
    const { owner, updater } = await setup();
    await createRole(owner.token, "Remover", ["users.read", "users.update", "users.delete"]);
    const remover = await addMember(owner.organization.id, "remover");
    const adminMember = (await get("/api/organizations/members?role=admin", { token: owner.token })).body.data[0]!;
    expectProblem(
      await patch(`/api/organizations/members/${adminMember.id}`, { role: "Reader" }, { token: updater.token }),
      403,
      "forbidden",
    );
    expectProblem(await del(`/api/organizations/members/${adminMember.id}`, { token: remover.token }), 403, "forbidden");
    expect(await adminCount(owner.organization.id)).toBe(1);
  });

  it("an API key is bound by its role like a person", async () => {
    const { owner, target } = await setup();
    const key = await createKey(owner.token, "Updater");
    expectProblem(await patch(`/api/organizations/members/${target.member.id}`, { role: "Admin" }, { token: key.key }), 403, "forbidden");
    expect((await patch(`/api/organizations/members/${target.member.id}`, { role: "Updater" }, { token: key.key })).status).toBe(200);
  });
});
