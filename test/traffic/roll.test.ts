import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import { expectProblem, get, type OffDocument, offDocument, post } from "../helpers/api";
import { testContext } from "../helpers/context";
import { onlyEvent, SECRET_PATTERNS } from "../helpers/events";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";

const roll = (token: string, keyId: string, body?: { expiresIn?: number } | OffDocument, headers?: Record<string, string>) =>
  post(`/api/organizations/api-keys/${keyId}/roll`, body, { token, headers });
const keyCount = async (organizationId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE organization_id = ?").bind(organizationId).first<{ n: number }>())!.n;

describe("rolling an API key", () => {
  it("a new key with the same name, role and rateLimit; both work until the overlap ends, then only the new one", async () => {
    const owner = await signUp();
    const old = await createKey(owner.token, "Member", { rateLimit: "low" });
    expect((await get("/api/organizations/me", { token: old.key })).status).toBe(200);
    const before = Date.now();

    const res = await roll(owner.token, old.id, { expiresIn: 3600 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "Member key", role: { name: "Member" }, rateLimit: "low", expiresAt: null, lastUsedAt: null });
    expect(res.body.id).not.toBe(old.id);
    expect(res.body.key).toMatch(/^ork_/);
    expect(res.body.key).not.toBe(old.key);

    expect((await get("/api/organizations/me", { token: old.key })).status).toBe(200);
    expect((await get("/api/organizations/me", { token: res.body.key })).status).toBe(200);
    const list = await get("/api/organizations/api-keys", { token: owner.token });
    const shownOld = list.body.data.find((k) => k.id === old.id);
    const expiresAt = Date.parse(shownOld?.expiresAt ?? "");
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);

    // The overlap ends (the clock moved past expiresAt): the old key is 401, the new one goes on.
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, old.id)
      .run();
    const row = await env.DB.prepare("SELECT key_hash FROM api_keys WHERE id = ?").bind(old.id).first<{ key_hash: string }>();
    await authCache.invalidateCredential(testContext(), row!.key_hash);
    expectProblem(await get("/api/organizations/me", { token: old.key }), 401, "unauthenticated");
    expect((await get("/api/organizations/me", { token: res.body.key })).status).toBe(200);
  });

  it("expiresIn: 0 ends the old key at once, on this isolate's warm cache too", async () => {
    const owner = await signUp();
    const old = await createKey(owner.token, "Member");
    expect((await get("/api/organizations/me", { token: old.key })).status).toBe(200); // cached here now
    const res = await roll(owner.token, old.id, { expiresIn: 0 });
    expect(res.status).toBe(201);
    expectProblem(await get("/api/organizations/me", { token: old.key }), 401, "unauthenticated");
    expect((await get("/api/organizations/me", { token: res.body.key })).status).toBe(200);
    // A dead key cannot be rolled again.
    expectProblem(await roll(owner.token, old.id), 409, "conflict");
  });

  it("defaults to a day of overlap, and never pushes an earlier expiry later", async () => {
    const owner = await signUp();
    const plain = await createKey(owner.token, "Member");
    const before = Date.now();
    expect((await roll(owner.token, plain.id)).status).toBe(201);
    const row = await env.DB.prepare("SELECT expires_at AS at FROM api_keys WHERE id = ?").bind(plain.id).first<{ at: number }>();
    expect(row!.at).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(row!.at).toBeLessThanOrEqual(Date.now() + 86_400_000);

    const soon = new Date(Date.now() + 60_000).toISOString();
    const expiring = await createKey(owner.token, "Member", { expiresAt: soon });
    expect((await roll(owner.token, expiring.id, { expiresIn: 604800 })).status).toBe(201);
    const kept = await env.DB.prepare("SELECT expires_at AS at FROM api_keys WHERE id = ?").bind(expiring.id).first<{ at: number }>();
    expect(kept!.at).toBe(Date.parse(soon));
  });

  it("records api_key.rolled: data.object the new key, data.previous.id the old one, no secret", async () => {
    const owner = await signUp();
    const old = await createKey(owner.token, "Member");
    const res = await roll(owner.token, old.id, { expiresIn: 60 });
    const event = await onlyEvent(owner.organization.id, "api_key.rolled");
    expect(event.data.object).toMatchObject({ id: res.body.id, name: "Member key", rateLimit: "standard" });
    expect(event.data.previous).toEqual({ id: old.id, expiresAt: expect.any(String) });
    for (const pattern of SECRET_PATTERNS) expect(event.raw).not.toMatch(pattern);
    const audit = await get(`/api/organizations/me/events?type=api_key.rolled`, { token: owner.token });
    expect(audit.body.data.map((e: { id: string }) => e.id)).toEqual([event.id]);
  });

  it("is idempotent: the same Idempotency-Key replays the first answer and makes no second key", async () => {
    const owner = await signUp();
    const old = await createKey(owner.token, "Member");
    const headers = { "idempotency-key": "roll-booking-key-1" };
    const first = await roll(owner.token, old.id, { expiresIn: 120 }, headers);
    expect(first.status).toBe(201);
    const count = await keyCount(owner.organization.id);
    const again = await roll(owner.token, old.id, { expiresIn: 120 }, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await keyCount(owner.organization.id)).toBe(count);
    expectProblem(await roll(owner.token, old.id, { expiresIn: 60 }, headers), 422, "idempotency_key_reused");
  });

  it("bad input, an unknown key, another organization's key → problem and no change; no body at all takes the defaults", async () => {
    const owner = await signUp();
    const other = await signUp();
    const old = await createKey(owner.token, "Member");
    const count = await keyCount(owner.organization.id);
    expectProblem(await roll(owner.token, old.id, { expiresIn: 604801 }), 400, "validation_failed");
    expectProblem(await roll(owner.token, old.id, { expiresIn: -1 }), 400, "validation_failed");
    expectProblem(await roll(owner.token, old.id, offDocument({ name: "x" })), 400, "validation_failed");
    expectProblem(await roll(other.token, old.id), 404, "not_found");
    expectProblem(await roll(owner.token, "key_01JD3S0M8N9A1B2C3D4E5F6G7H"), 404, "not_found");
    expect(await keyCount(owner.organization.id)).toBe(count);
    const row = await env.DB.prepare("SELECT expires_at FROM api_keys WHERE id = ?").bind(old.id).first();
    expect(row).toEqual({ expires_at: null });

    await post(`/api/organizations/api-keys/${old.id}/roll`, undefined, { token: owner.token }); // no body at all: the defaults
    expect(await keyCount(owner.organization.id)).toBe(count + 1);
  });

  it("no escalation: a caller holding api_keys.create cannot roll a key whose role grants more", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Key maker", ["api_keys.create"]);
    const maker = await addMember(owner.organization.id, "key maker", "maker");
    const adminKey = await createKey(owner.token, "Admin");
    const count = await keyCount(owner.organization.id);
    expectProblem(await roll(maker.token, adminKey.id), 403, "forbidden");
    expect(await keyCount(owner.organization.id)).toBe(count);
  });
});
