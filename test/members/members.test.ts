import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { members, users } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";
import { countingEnv, call, del, expectProblem, get, patch } from "../helpers/api";
import { addMember, createKey, createRole, db, signUp } from "../helpers/factories";

const adminCount = async (orgId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND role_key = 'admin'").bind(orgId).first<{ n: number }>())!.n;

describe("listing members", () => {
  it("shows each member with user, resolved role and joinedAt; filters by role and by name/email", async () => {
    const owner = await signUp({ name: "Olive Owner" });
    await createRole(owner.token, "Guide", ["users.read"]);
    const guide = await addMember(owner.organization.id, "guide", "guide");
    await addMember(owner.organization.id, "member", "plain");

    const all = await get("/api/organizations/members", { token: owner.token });
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.data).toHaveLength(3);
    expect(all.body.data[0]).toEqual({
      id: expect.stringMatching(/^mem_/),
      user: { id: owner.user.id, email: owner.user.email, name: "Olive Owner", emailVerified: false },
      role: { id: "role_system_admin", name: "Admin", source: "system" },
      joinedAt: expect.any(String),
    });

    const guides = await get("/api/organizations/members?role=GUIDE", { token: owner.token });
    expect(guides.body.data.map((m: any) => [m.id, m.role.name, m.role.source])).toEqual([[guide.member.id, "Guide", "organization"]]);

    const byName = await get("/api/organizations/members?q=OLIVE", { token: owner.token });
    expect(byName.body.data.map((m: any) => m.user.id)).toEqual([owner.user.id]);
    const byEmail = await get(`/api/organizations/members?q=${encodeURIComponent(guide.user.email.slice(0, 12))}`, { token: owner.token });
    expect(byEmail.body.data.map((m: any) => m.user.id)).toEqual([guide.user.id]);
    const none = await get("/api/organizations/members?q=%25", { token: owner.token });
    expect(none.body.data).toEqual([]);
  });

  it("pages through 250 members 100 at a time: 3 pages, each member exactly once, in a stable order", async () => {
    const owner = await signUp();
    const now = new Date();
    const rows = Array.from({ length: 249 }, (_, i) => {
      const userId = newId("usr");
      return {
        user: { id: userId, email: `bulk.${i}.${owner.organization.id.toLowerCase()}@example.com`, name: `Bulk ${i}`, passwordHash: "x", isSuperAdmin: false, createdAt: now, updatedAt: now },
        member: { id: newId("mem"), organizationId: owner.organization.id, userId, roleKey: "member", createdAt: now },
      };
    });
    for (let i = 0; i < rows.length; i += 12) {
      // D1 binds at most 100 variables per statement.
      const chunk = rows.slice(i, i + 12);
      await db().batch([db().insert(users).values(chunk.map((r) => r.user)), db().insert(members).values(chunk.map((r) => r.member))]);
    }
    const other = await signUp(); // another tenant's members never show up
    await addMember(other.organization.id);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await get(`/api/organizations/members?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: owner.token });
      expect(res.status).toBe(200);
      pages.push(res.body.data.map((m: any) => m.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual([...ids].sort());

    const again = await get("/api/organizations/members?limit=100", { token: owner.token });
    expect(again.body.data.map((m: any) => m.id)).toEqual(pages[0]);
  });

  it("a list page is one D1 query", async () => {
    const owner = await signUp();
    await get("/api/organizations/members", { token: owner.token }); // warm the auth cache
    const { env: counted, counts } = countingEnv();
    const res = await call("GET", "/api/organizations/members?limit=5", { token: owner.token, env: counted });
    expect(res.status).toBe(200);
    expect(counts.d1).toBe(1);
  });

  it("limit=0, limit=101, a forged cursor and an unknown parameter are 400s", async () => {
    const owner = await signUp();
    expectProblem(await get("/api/organizations/members?limit=0", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations/members?limit=101", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations/members?limit=ten", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations/members?cursor=bWVtXzAx", { token: owner.token }), 400, "invalid_cursor");
    expectProblem(await get("/api/organizations/members?sort=name", { token: owner.token }), 400, "validation_failed");
  });
});

describe("changing a member's role", () => {
  it("promotes a Member to a custom role and the member's permissions change on their next request", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Inviter", ["users.read", "users.invite"]);
    const member = await addMember(owner.organization.id, "member");
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.permissions["users.invite"]).toBe(false);

    const res = await patch(`/api/organizations/members/${member.member.id}`, { role: "inviter" }, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: member.member.id, user: { id: member.user.id }, role: { name: "Inviter", source: "organization" } });
    const row = await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(member.member.id).first();
    expect(row).toEqual({ role_key: "inviter" });
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.permissions["users.invite"]).toBe(true);
  });

  it("an unknown role is a 400 and nothing changes", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    expectProblem(await patch(`/api/organizations/members/${member.member.id}`, { role: "Wizard" }, { token: owner.token }), 400, "validation_failed");
    expectProblem(await patch(`/api/organizations/members/${member.member.id}`, { role: "member", extra: 1 }, { token: owner.token }), 400, "validation_failed");
    const row = await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(member.member.id).first();
    expect(row).toEqual({ role_key: "member" });
  });
});

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
    expectProblem(await patch(`/api/organizations/members/${updater.member.id}`, { role: "Admin" }, { token: updater.token }), 403, "forbidden");
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
    const res = await call("POST", "/api/organizations/roles", { token: maker.token, body: { name: "Deleter 2", permissions: ["roles.delete"] } });
    expectProblem(res, 403, "forbidden");
    const row = await env.DB.prepare("SELECT id FROM roles WHERE organization_id = ? AND name_key = 'deleter 2'").bind(owner.organization.id).first();
    expect(row).toBeNull();
  });

  it("…cannot demote or remove an Admin (403)", async () => {
    const { owner, updater } = await setup();
    await createRole(owner.token, "Remover", ["users.read", "users.update", "users.delete"]);
    const remover = await addMember(owner.organization.id, "remover");
    const adminMember = (await get("/api/organizations/members?role=admin", { token: owner.token })).body.data[0];
    expectProblem(await patch(`/api/organizations/members/${adminMember.id}`, { role: "Reader" }, { token: updater.token }), 403, "forbidden");
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

describe("the last admin", () => {
  it("demoting or removing the only Admin is a 409 last_admin, even by themselves", async () => {
    const owner = await signUp();
    const me = (await get("/api/organizations/members", { token: owner.token })).body.data[0];
    expectProblem(await patch(`/api/organizations/members/${me.id}`, { role: "Member" }, { token: owner.token }), 409, "last_admin");
    expectProblem(await del(`/api/organizations/members/${me.id}`, { token: owner.token }), 409, "last_admin");
    expect(await adminCount(owner.organization.id)).toBe(1);
  });

  it("with two Admins one may step down, then the other is the last", async () => {
    const owner = await signUp();
    const second = await addMember(owner.organization.id, "admin", "second");
    expect((await patch(`/api/organizations/members/${second.member.id}`, { role: "Member" }, { token: second.token })).status).toBe(200);
    const me = (await get("/api/organizations/members?role=admin", { token: owner.token })).body.data[0];
    expectProblem(await del(`/api/organizations/members/${me.id}`, { token: owner.token }), 409, "last_admin");
  });

  it("two parallel requests demoting the two Admins: exactly one succeeds and one Admin remains", async () => {
    for (let round = 0; round < 3; round++) {
      const owner = await signUp();
      await addMember(owner.organization.id, "admin", "second");
      // An Admin API key is not a member, so neither demotion changes the caller: only the SQL guard can stop the second.
      const key = await createKey(owner.token, "Admin");
      const admins = (await get("/api/organizations/members?role=admin", { token: key.key })).body.data.map((m: any) => m.id);
      expect(admins).toHaveLength(2);
      const results = await Promise.all(admins.map((id: string) => patch(`/api/organizations/members/${id}`, { role: "Member" }, { token: key.key })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe("last_admin");
      expect(await adminCount(owner.organization.id)).toBe(1);
    }
  });

  it("two Admins demoting each other at once: one succeeds, one Admin remains", async () => {
    const owner = await signUp();
    const second = await addMember(owner.organization.id, "admin", "second");
    await get("/api/organizations/me", { token: second.token }); // both sessions warm
    const first = (await get("/api/organizations/members?role=admin", { token: owner.token })).body.data.find((m: any) => m.user.id === owner.user.id);
    const results = await Promise.all([
      patch(`/api/organizations/members/${second.member.id}`, { role: "Member" }, { token: owner.token }),
      patch(`/api/organizations/members/${first.id}`, { role: "Member" }, { token: second.token }),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // The loser is refused either by the SQL guard (409) or, if it ran after, because it is no longer an Admin (403).
    expect([403, 409]).toContain(results.find((r) => r.status !== 200)!.status);
    expect(await adminCount(owner.organization.id)).toBe(1);
  });

  it("two parallel removals of the two Admins: exactly one succeeds", async () => {
    const owner = await signUp();
    await addMember(owner.organization.id, "admin", "second");
    const key = await createKey(owner.token, "Admin");
    const admins = (await get("/api/organizations/members?role=admin", { token: key.key })).body.data.map((m: any) => m.id);
    const results = await Promise.all(admins.map((id: string) => del(`/api/organizations/members/${id}`, { token: key.key })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await adminCount(owner.organization.id)).toBe(1);
  });
});

describe("removing a member", () => {
  it("removes the membership, keeps the user, and the removed member's session loses the org on the next request", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    expect((await get("/api/organizations/members", { token: member.token })).status).toBe(200);

    expect((await del(`/api/organizations/members/${member.member.id}`, { token: owner.token })).status).toBe(204);
    expectProblem(await get("/api/organizations/members", { token: member.token }), 404, "no_active_organization");
    expectProblem(await get("/api/organizations/me", { token: member.token }), 404, "no_active_organization");
    expect(await env.DB.prepare("SELECT id FROM members WHERE id = ?").bind(member.member.id).first()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(member.user.id).first()).toEqual({ id: member.user.id });
    expectProblem(await del(`/api/organizations/members/${member.member.id}`, { token: owner.token }), 404, "not_found");
  });
});

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
      expect(list.body.data.map((m: any) => m.id)).not.toContain(bMember.member.id);
      const roles = await get("/api/organizations/roles", { token });
      expect(roles.body.data.map((r: any) => r.id)).not.toContain(bRole.id);
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
