import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import { del, expectProblem, get, post } from "../helpers/api";
import { testContext } from "../helpers/context";
import { addMember, createKey, db, signUp } from "../helpers/factories";
import { roles } from "../../src/db/schema";
import { untilKeyUsed } from "../helpers/usage";
import { newId } from "../../src/lib/ids";

describe("API keys", () => {
  it("create with a role → use it on /me and /me/permissions → revoke → the very next request is 401", async () => {
    const owner = await signUp({ organizationName: "Keyed Tours" });
    const created = await post("/api/organizations/api-keys", { name: "Booking site", role: "member" }, { token: owner.token });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^key_[0-9A-Z]{26}$/),
      name: "Booking site",
      start: created.body.key.slice(0, 10),
      role: { id: "role_system_member", name: "Member", source: "system" },
      rateLimit: "standard",
      expiresAt: null,
      lastUsedAt: null,
      createdAt: expect.any(String),
      key: expect.stringMatching(/^ork_[0-9A-Za-z]{49}$/),
    });
    const key = created.body.key;

    const me = await get("/api/organizations/me", { token: key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: owner.organization.id, name: "Keyed Tours" });

    const perms = await get("/api/organizations/me/permissions", { token: key });
    expect(perms.body.role).toEqual({ id: "role_system_member", name: "Member", source: "system" });
    expect(
      Object.entries(perms.body.permissions)
        .filter(([, v]) => v)
        .map(([k]) => k)
        .sort(),
    ).toEqual(["bookings.read", "roles.read", "tours.read", "users.read"]); // Member: its built-ins and the platform's .read ones

    const revoked = await del(`/api/organizations/api-keys/${created.body.id}`, { token: owner.token });
    expect(revoked.status).toBe(204);
    expectProblem(await get("/api/organizations/me", { token: key }), 401, "unauthenticated");
    const row = await env.DB.prepare("SELECT id FROM api_keys WHERE id = ?").bind(created.body.id).first();
    expect(row).toBeNull();
  });

  it("stores only a SHA-256 hash and a short start, and the list never shows the secret", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(key.id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(key.key);
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const list = await get("/api/organizations/api-keys", { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ id: key.id, start: key.key.slice(0, 10), role: { name: "Admin" } });
    expect(list.text).not.toContain(key.key);
    expect(list.text).not.toContain(String(row!.key_hash));
  });

  it("an API key can manage keys when its role allows, and its own use records lastUsedAt", async () => {
    const owner = await signUp();
    const admin = await createKey(owner.token, "Admin");
    const child = await post("/api/organizations/api-keys", { name: "child", role: "Member" }, { token: admin.key });
    expect(child.status).toBe(201);
    await untilKeyUsed(admin.id); // lastUsedAt comes from the usage counts, summed by the USAGE consumer
    const list = await get("/api/organizations/api-keys", { token: admin.key });
    expect(list.body.data.map((k: { id: string }) => k.id)).toEqual([admin.id, child.body.id]);
    expect(list.body.data[0]!.lastUsedAt).not.toBeNull();
  });

  it("a Member key cannot list, create or revoke keys (403)", async () => {
    const owner = await signUp();
    const member = await createKey(owner.token, "Member");
    expectProblem(await get("/api/organizations/api-keys", { token: member.key }), 403, "forbidden");
    expectProblem(await post("/api/organizations/api-keys", { name: "x", role: "Member" }, { token: member.key }), 403, "forbidden");
    expectProblem(await del(`/api/organizations/api-keys/${member.id}`, { token: member.key }), 403, "forbidden");
  });

  it("an expired key is 401", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member", { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    // Move the expiry into the past, as the clock would.
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, key.id)
      .run();
    const row = await env.DB.prepare("SELECT key_hash FROM api_keys WHERE id = ?").bind(key.id).first<{ key_hash: string }>();
    await authCache.invalidateCredential(testContext(), row!.key_hash);
    expectProblem(await get("/api/organizations/me", { token: key.key }), 401, "unauthenticated");
  });

  it("an expiry in the past is refused at creation", async () => {
    const owner = await signUp();
    const res = await post(
      "/api/organizations/api-keys",
      { name: "old", role: "Member", expiresAt: "2020-01-01T00:00:00Z" },
      { token: owner.token },
    );
    expect(expectProblem(res, 400, "validation_failed").errors).toEqual([{ path: "expiresAt", message: "Must be in the future." }]);
  });

  it("a key whose role is shadowed by an org role gets the shadow's permissions", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const now = new Date();
    await db()
      .insert(roles)
      .values({
        id: newId("role"),
        organizationId: owner.organization.id,
        name: "Member",
        nameKey: "member",
        nameSkeleton: "member",
        description: "Members here also invite",
        permissions: ["users.read", "roles.read", "users.invite"],
        createdAt: now,
        updatedAt: now,
      });
    await authCache.invalidateOrganization(testContext(), owner.organization.id);

    const perms = await get("/api/organizations/me/permissions", { token: key.key });
    expect(perms.body.role).toMatchObject({ name: "Member", source: "organization" });
    expect(perms.body.permissions["users.invite"]).toBe(true);
    expect(perms.body.permissions["users.update"]).toBe(false);
  });

  it("a key can never be created with permissions the creator lacks (403)", async () => {
    const owner = await signUp();
    const now = new Date();
    await db()
      .insert(roles)
      .values({
        id: newId("role"),
        organizationId: owner.organization.id,
        name: "Key Manager",
        nameKey: "key manager",
        nameSkeleton: "key manager",
        description: "",
        permissions: ["api_keys.create", "api_keys.read"],
        createdAt: now,
        updatedAt: now,
      });
    await authCache.invalidateOrganization(testContext(), owner.organization.id);
    const manager = await addMember(owner.organization.id, "key manager");

    const escalate = await post("/api/organizations/api-keys", { name: "sneaky", role: "Admin" }, { token: manager.token });
    expect(expectProblem(escalate, 403, "forbidden").detail).toContain("api_keys.delete");
    const asMember = await post("/api/organizations/api-keys", { name: "member-level", role: "Member" }, { token: manager.token });
    expectProblem(asMember, 403, "forbidden"); // Member grants users.read, which the manager lacks
    const sameRole = await post("/api/organizations/api-keys", { name: "same", role: "Key Manager" }, { token: manager.token });
    expect(sameRole.status).toBe(201);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("an unknown role is a 400 naming the field", async () => {
    const owner = await signUp();
    const res = await post("/api/organizations/api-keys", { name: "x", role: "Wizard" }, { token: owner.token });
    expect(expectProblem(res, 400, "validation_failed").errors).toEqual([{ path: "role", message: "Unknown role." }]);
  });

  it("another organization's key id is a 404 and the key keeps working", async () => {
    const a = await signUp();
    const b = await signUp();
    const bKey = await createKey(b.token, "Member");
    expectProblem(await del(`/api/organizations/api-keys/${bKey.id}`, { token: a.token }), 404, "not_found");
    expect((await get("/api/organizations/me", { token: bKey.key })).status).toBe(200);
    expectProblem(await del("/api/organizations/api-keys/not-an-id", { token: a.token }), 404, "not_found");
  });
});
