import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import { mintToken } from "../../src/lib/tokens";
import { call, countingEnv, del, expectProblem, get, post } from "../helpers/api";
import { testContext } from "../helpers/context";
import { createKey, signUp } from "../helpers/factories";

/** The 401 body minus the per-request id: it must be identical for every kind of bad credential. */
const comparable = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

async function flipLastChar(token: string) {
  const last = token.at(-1)!;
  return token.slice(0, -1) + (last === "A" ? "B" : "A");
}

describe("credentials", () => {
  it("missing, garbage, wrong prefix, bad checksum, unknown, revoked, expired and signed-out all give the identical 401", async () => {
    const owner = await signUp();
    const revokedKey = await createKey(owner.token, "Member");
    await del(`/api/organizations/api-keys/${revokedKey.id}`, { token: owner.token });
    const expiredKey = await createKey(owner.token, "Member");
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, expiredKey.id)
      .run();
    const signedOut = await signUp();
    expect((await post("/api/auth/sign-out", undefined, { token: signedOut.token })).status).toBe(204);

    const validKey = await createKey(owner.token, "Member");
    const attempts: Record<string, Record<string, string>> = {
      missing: {},
      garbage: { authorization: "Bearer not-a-token-at-all" },
      "wrong scheme": { authorization: `Basic ${btoa("a:b")}` },
      "wrong prefix": { authorization: `Bearer xyz_${validKey.key.slice(4)}` },
      "bad checksum": { authorization: `Bearer ${await flipLastChar(validKey.key)}` },
      "unknown but well-formed key": { authorization: `Bearer ${mintToken("apiKey")}` },
      "unknown but well-formed session": { authorization: `Bearer ${mintToken("session")}` },
      revoked: { authorization: `Bearer ${revokedKey.key}` },
      expired: { authorization: `Bearer ${expiredKey.key}` },
      "signed out": { authorization: `Bearer ${signedOut.token}` },
      "invitation token used as a credential": { authorization: `Bearer ${mintToken("invitation")}` },
    };
    const bodies = new Set<string>();
    for (const [name, headers] of Object.entries(attempts)) {
      const res = await call("GET", "/api/organizations/me", { headers });
      expect(res.status, name).toBe(401);
      bodies.add(JSON.stringify(comparable(expectProblem(res, 401, "unauthenticated"))));
    }
    expect(bodies.size).toBe(1);
  });

  it("missing, garbage, wrong-prefix and bad-checksum credentials touch neither KV nor D1", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    for (const authorization of [undefined, "Bearer garbage", `Bearer tok_${key.key.slice(4)}`, `Bearer ${await flipLastChar(key.key)}`]) {
      const { env: counted, counts } = countingEnv();
      const res = await call("GET", "/api/organizations/me", { headers: authorization ? { authorization } : {}, env: counted });
      expect(res.status).toBe(401);
      expect(counts).toEqual({ d1: 0, kv: 0 });
    }
  });

  it("the counting env does count: an unknown well-formed key reads KV and D1", async () => {
    const { env: counted, counts } = countingEnv();
    const res = await call("GET", "/api/organizations/me", { token: mintToken("apiKey"), env: counted });
    expect(res.status).toBe(401);
    expect(counts.kv).toBeGreaterThan(0);
    expect(counts.d1).toBeGreaterThan(0);
  });

  it("a warm API-key read of /me touches neither KV nor D1", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    const { env: counted, counts } = countingEnv();
    const warm = await call("GET", "/api/organizations/me", { token: key.key, env: counted });
    expect(warm.status).toBe(200);
    expect(counts).toEqual({ d1: 0, kv: 0 });
  });

  it("a cold lookup falls back KV → D1 and then serves from KV", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    authCache.clearIsolate();
    const first = countingEnv();
    expect((await call("GET", "/api/organizations/me", { token: key.key, env: first.env })).status).toBe(200);
    expect(first.counts.d1).toBeGreaterThan(0);

    authCache.clearIsolate(); // a new isolate: KV now holds what the first request loaded
    const second = countingEnv();
    expect((await call("GET", "/api/organizations/me", { token: key.key, env: second.env })).status).toBe(200);
    expect(second.counts.d1).toBe(0);
    expect(second.counts.kv).toBeGreaterThan(0);
  });

  it("a session whose user was removed from the org loses access on the next request", async () => {
    const owner = await signUp();
    expect((await get("/api/organizations/me", { token: owner.token })).status).toBe(200);
    await env.DB.prepare("DELETE FROM members WHERE organization_id = ? AND user_id = ?").bind(owner.organization.id, owner.user.id).run();
    await authCache.invalidateMembership(testContext(), owner.organization.id, owner.user.id);
    expectProblem(await get("/api/organizations/me", { token: owner.token }), 404, "no_active_organization");
    expectProblem(await get("/api/organizations/me/permissions", { token: owner.token }), 404, "no_active_organization");
    // The session itself is still valid: the user can see it has no active organization.
    const session = await get("/api/auth/session", { token: owner.token });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ organization: null, role: null });
  });

  it("a changed role takes effect on the next request", async () => {
    const owner = await signUp();
    await env.DB.prepare("UPDATE members SET role_key = 'member' WHERE organization_id = ? AND user_id = ?")
      .bind(owner.organization.id, owner.user.id)
      .run();
    await authCache.invalidateMembership(testContext(), owner.organization.id, owner.user.id);
    const perms = await get("/api/organizations/me/permissions", { token: owner.token });
    expect(perms.body.role.name).toBe("Member");
    expectProblem(await call("PATCH", "/api/organizations/me", { token: owner.token, body: { name: "x" } }), 403, "forbidden");
  });

  it("API keys cannot use session-only routes (403), and the session cookie works like the bearer token", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    expectProblem(await get("/api/auth/session", { token: key.key }), 403, "forbidden");
    const viaCookie = await get("/api/auth/session", { headers: { cookie: `session=${owner.token}` } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.user.id).toBe(owner.user.id);
  });
});
