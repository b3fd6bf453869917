import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, del, expectProblem, get, patch, post, offDocument } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";
import type { Schemas } from "../helpers/document";

const grantedOf = (body: Schemas["PermissionsView"]) =>
  Object.entries(body.permissions)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .sort();

describe("roles", () => {
  it("lists system roles and the org's own with member counts", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", ["users.read", "roles.read"], "Leads tours");
    await addMember(owner.organization.id, "guide");
    await addMember(owner.organization.id, "guide");
    await addMember(owner.organization.id, "member");

    const res = await get("/api/organizations/roles", { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        {
          id: "role_system_admin",
          name: "Admin",
          description: expect.any(String),
          permissions: expect.arrayContaining(["roles.delete", "tours.write"]),
          unknownPermissions: [],
          source: "system",
          shadows: false,
          shadowed: false,
          memberCount: 1,
        },
        {
          id: "role_system_member",
          name: "Member",
          description: expect.any(String),
          permissions: ["users.read", "roles.read", "tours.read", "bookings.read"],
          unknownPermissions: [],
          source: "system",
          shadows: false,
          shadowed: false,
          memberCount: 1,
        },
        {
          id: guide.id,
          name: "Guide",
          description: "Leads tours",
          permissions: ["users.read", "roles.read"],
          unknownPermissions: [],
          source: "organization",
          shadows: false,
          shadowed: false,
          memberCount: 2,
        },
      ],
      nextCursor: null,
    });
  });

  it("names are unique per organization, case-insensitively; other organizations may reuse them", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Guide", []);
    expectProblem(
      await post("/api/organizations/roles", { name: "GUIDE", permissions: [] }, { token: owner.token }),
      409,
      "role_name_taken",
    );
    const other = await signUp();
    expect((await post("/api/organizations/roles", { name: "guide", permissions: [] }, { token: other.token })).status).toBe(201);
  });

  it("unknown permission names are a 400 listing them, and nothing is created", async () => {
    const owner = await signUp();
    const res = await post("/api/organizations/roles", offDocument({ name: "Odd", permissions: ["users.read", "tours.fly", "root"] }), {
      token: owner.token,
    });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.detail).toContain("tours.fly");
    expect(problem.detail).toContain("root");
    expect(problem.errors).toEqual([
      { path: "permissions", message: "Unknown permission: tours.fly" },
      { path: "permissions", message: "Unknown permission: root" },
    ]);
    expect(await env.DB.prepare("SELECT id FROM roles WHERE organization_id = ?").bind(owner.organization.id).first()).toBeNull();
  });

  it("system roles are read-only", async () => {
    const owner = await signUp();
    expectProblem(
      await patch("/api/organizations/roles/role_system_member", { description: "x" }, { token: owner.token }),
      403,
      "forbidden",
    );
    expectProblem(await del("/api/organizations/roles/role_system_admin", { token: owner.token }), 403, "forbidden");
  });

  it("updates a role's permissions, and its holders see them on their next request", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", ["users.read"]);
    const member = await addMember(owner.organization.id, "guide");
    const key = await createKey(owner.token, "Guide");
    expect(grantedOf((await get("/api/organizations/me/permissions", { token: member.token })).body)).toEqual(["users.read"]);

    const res = await patch(
      `/api/organizations/roles/${guide.id}`,
      { permissions: ["users.read", "users.invite"], description: "Guides invite" },
      { token: owner.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: guide.id,
      permissions: ["users.read", "users.invite"],
      description: "Guides invite",
      memberCount: 1,
    });
    expect(grantedOf((await get("/api/organizations/me/permissions", { token: member.token })).body)).toEqual([
      "users.invite",
      "users.read",
    ]);
    expect(grantedOf((await get("/api/organizations/me/permissions", { token: key.key })).body)).toEqual(["users.invite", "users.read"]);
  });

  it("renaming a role moves its holders with it", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", ["users.read"]);
    const member = await addMember(owner.organization.id, "guide");
    const key = await createKey(owner.token, "Guide");
    // Both credentials used first, so their role names sit in the cache when the rename happens.
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.role.name).toBe("Guide");
    expect((await get("/api/organizations/me/permissions", { token: key.key })).body.permissions["users.read"]).toBe(true);
    const res = await patch(`/api/organizations/roles/${guide.id}`, { name: "Tour Guide" }, { token: owner.token });
    expect(res.body).toMatchObject({ name: "Tour Guide", memberCount: 1 });
    expect(await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(member.member.id).first()).toEqual({
      role_key: "tour guide",
    });
    expect(await env.DB.prepare("SELECT role_key FROM api_keys WHERE id = ?").bind(key.id).first()).toEqual({ role_key: "tour guide" });
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.role).toEqual({
      id: guide.id,
      name: "Tour Guide",
      source: "organization",
    });
    const keyView = await get("/api/organizations/me/permissions", { token: key.key });
    expect(keyView.body.role).toEqual({ id: guide.id, name: "Tour Guide", source: "organization" });
    expect(keyView.body.permissions["users.read"]).toBe(true);
  });

  it("a custom role cannot be renamed to a system name, nor a shadow away from it (409)", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", []);
    const shadow = await createRole(owner.token, "Member", ["users.read", "roles.read"]);
    expectProblem(
      await patch(`/api/organizations/roles/${guide.id}`, { name: "member" }, { token: owner.token }),
      409,
      "role_name_reserved",
    );
    expectProblem(
      await patch(`/api/organizations/roles/${guide.id}`, { name: "Admin" }, { token: owner.token }),
      409,
      "role_name_reserved",
    );
    expectProblem(
      await patch(`/api/organizations/roles/${shadow.id}`, { name: "Staff" }, { token: owner.token }),
      409,
      "role_name_reserved",
    );
    expect((await patch(`/api/organizations/roles/${shadow.id}`, { name: "MEMBER" }, { token: owner.token })).status).toBe(200);
    const other = await createRole(owner.token, "Driver", []);
    expectProblem(await patch(`/api/organizations/roles/${other.id}`, { name: "guide" }, { token: owner.token }), 409, "role_name_taken");
  });

  it("a custom role held by a member or an API key cannot be deleted (409 role_in_use); once free it can", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", []);
    const member = await addMember(owner.organization.id, "guide");
    expectProblem(await del(`/api/organizations/roles/${guide.id}`, { token: owner.token }), 409, "role_in_use");
    await patch(`/api/organizations/members/${member.member.id}`, { role: "Member" }, { token: owner.token });
    const key = await createKey(owner.token, "Guide");
    expectProblem(await del(`/api/organizations/roles/${guide.id}`, { token: owner.token }), 409, "role_in_use");
    await del(`/api/organizations/api-keys/${key.id}`, { token: owner.token });
    expect((await del(`/api/organizations/roles/${guide.id}`, { token: owner.token })).status).toBe(204);
    expect(await env.DB.prepare("SELECT id FROM roles WHERE id = ?").bind(guide.id).first()).toBeNull();
    expectProblem(await del(`/api/organizations/roles/${guide.id}`, { token: owner.token }), 404, "not_found");
  });
});

describe("shadowing", () => {
  it("a Member shadow with users.invite changes every Member's permissions; deleting it restores the system Member", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    const memberKey = await createKey(owner.token, "Member");
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.permissions["users.invite"]).toBe(false);

    const shadow = await createRole(owner.token, "Member", ["users.read", "roles.read", "users.invite"]);
    expect(shadow).toMatchObject({ name: "Member", source: "organization", shadows: true, memberCount: 1 });

    const during = await get("/api/organizations/me/permissions", { token: member.token });
    expect(during.body.role).toEqual({ id: shadow.id, name: "Member", source: "organization" });
    expect(during.body.permissions["users.invite"]).toBe(true);
    expect((await get("/api/organizations/me/permissions", { token: memberKey.key })).body.permissions["users.invite"]).toBe(true);

    const list = await get("/api/organizations/roles", { token: owner.token });
    const systemMember = list.body.data.find((r) => r.id === "role_system_member");
    expect(systemMember).toMatchObject({ shadowed: true, memberCount: 0 });
    expect(list.body.data.find((r) => r.id === shadow.id)).toMatchObject({ shadows: true, memberCount: 1 });

    // Deleting a shadow is allowed even though people hold "member": they fall back.
    expect((await del(`/api/organizations/roles/${shadow.id}`, { token: owner.token })).status).toBe(204);
    const after = await get("/api/organizations/me/permissions", { token: member.token });
    expect(after.body.role).toEqual({ id: "role_system_member", name: "Member", source: "system" });
    expect(after.body.permissions["users.invite"]).toBe(false);
  });

  it("Admin cannot be shadowed, in any case (409 role_name_reserved)", async () => {
    const owner = await signUp();
    for (const name of ["Admin", "admin", "ADMIN", "  aDmIn "]) {
      expectProblem(await post("/api/organizations/roles", { name, permissions: [] }, { token: owner.token }), 409, "role_name_reserved");
    }
    expect(await env.DB.prepare("SELECT id FROM roles WHERE organization_id = ?").bind(owner.organization.id).first()).toBeNull();
  });

  it("a shadow only applies inside its organization", async () => {
    const a = await signUp();
    const b = await signUp();
    const bMember = await addMember(b.organization.id, "member");
    await createRole(a.token, "Member", ["users.read", "roles.read", "users.invite"]);
    expect((await get("/api/organizations/me/permissions", { token: bMember.token })).body.permissions["users.invite"]).toBe(false);
  });
});

describe("editing roles is bounded by the editor's permissions", () => {
  it("cannot edit a role that grants more than the editor holds, nor widen one", async () => {
    const owner = await signUp();
    const editorRole = await createRole(owner.token, "Editor", ["roles.read", "roles.update", "users.read"]);
    const big = await createRole(owner.token, "Big", ["users.delete"]);
    const small = await createRole(owner.token, "Small", ["users.read"]);
    const editor = await addMember(owner.organization.id, "editor");
    expectProblem(await patch(`/api/organizations/roles/${big.id}`, { description: "x" }, { token: editor.token }), 403, "forbidden");
    expectProblem(
      await patch(`/api/organizations/roles/${small.id}`, { permissions: ["users.read", "users.delete"] }, { token: editor.token }),
      403,
      "forbidden",
    );
    expectProblem(
      await patch(
        `/api/organizations/roles/${editorRole.id}`,
        { permissions: ["roles.read", "roles.update", "users.read", "roles.delete"] },
        { token: editor.token },
      ),
      403,
      "forbidden",
    );
    expect(
      (await patch(`/api/organizations/roles/${small.id}`, { permissions: ["users.read", "roles.read"] }, { token: editor.token })).status,
    ).toBe(200);
    const row = await env.DB.prepare("SELECT permissions FROM roles WHERE id = ?").bind(big.id).first<{ permissions: string }>();
    expect(JSON.parse(row!.permissions)).toEqual(["users.delete"]);
  });

  it("rejects bad bodies: unknown fields, wrong types, too long names", async () => {
    const owner = await signUp();
    const res = await call("POST", "/api/organizations/roles", {
      token: owner.token,
      body: { name: "x".repeat(51), permissions: "users.read" },
    });
    expect(
      expectProblem(res, 400, "validation_failed")
        .errors!.map((e) => e.path)
        .sort(),
    ).toEqual(["name", "permissions"]);
    expectProblem(
      await post("/api/organizations/roles", offDocument({ name: "Ok", permissions: [], organizationId: "org_x" }), { token: owner.token }),
      400,
      "validation_failed",
    );
  });
});
