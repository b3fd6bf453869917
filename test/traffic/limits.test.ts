import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countingEnv, countUntilLimited, expectProblem, get, offDocument, patch, servedDocument } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";
import { onlyEvent } from "../helpers/events";

/** docs/integration-traffic.md: per-key tiers, per-user sessions, RateLimit-Policy, 429 with Retry-After. */
describe("traffic limits", () => {
  it("a low key gets 429 rate_limited with Retry-After and its policy after 60 requests, while another key of the organization goes on", async () => {
    const owner = await signUp();
    const low = await createKey(owner.token, "Member", { rateLimit: "low" });
    const standard = await createKey(owner.token, "Member");
    expect(low).toMatchObject({ rateLimit: "low" });

    const { allowedBefore, limited, statuses } = await countUntilLimited(60, () => get("/api/organizations/me", { token: low.key }));
    expect(allowedBefore).toBeGreaterThanOrEqual(60);
    expect(statuses.slice(0, allowedBefore).every((s) => s === 200)).toBe(true);
    const problem = expectProblem(limited, 429, "rate_limited");
    expect(problem.detail).toContain("API key");
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("ratelimit-policy")).toBe('"key";q=60;w=60');

    const other = await get("/api/organizations/me", { token: standard.key });
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit-policy")).toBe('"key";q=600;w=60');
  });

  it("every answer to an authenticated caller carries RateLimit-Policy: a key's tier, a session's per-user limit", async () => {
    const owner = await signUp();
    const high = await createKey(owner.token, "Member", { rateLimit: "high" });
    expect((await get("/api/organizations/me", { token: high.key })).headers.get("ratelimit-policy")).toBe('"key";q=6000;w=60');
    const session = await get("/api/organizations/me", { token: owner.token });
    expect(session.headers.get("ratelimit-policy")).toBe('"user";q=1200;w=60');
    // Errors of a known caller carry it too; an unauthenticated answer does not (there is no one to count).
    const forbidden = await get("/api/organizations/api-keys", { token: high.key });
    expectProblem(forbidden, 403, "forbidden");
    expect(forbidden.headers.get("ratelimit-policy")).toBe('"key";q=6000;w=60');
    const anonymous = await get("/api/organizations/me");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("ratelimit-policy")).toBeNull();
  });

  it("the limit adds no D1 or KV call: a warm API-key read stays at 0 and 0", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    const { env: counted, counts } = countingEnv();
    const warm = await call("GET", "/api/organizations/me", { token: key.key, env: counted });
    expect(warm.status).toBe(200);
    expect(warm.headers.get("ratelimit-policy")).toBe('"key";q=600;w=60');
    expect(counts).toEqual({ d1: 0, kv: 0 });
  });

  it("a PATCH changes the tier at once: the key's next request counts against the new one", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    expect((await get("/api/organizations/me", { token: key.key })).headers.get("ratelimit-policy")).toBe('"key";q=600;w=60');

    const updated = await patch(`/api/organizations/api-keys/${key.id}`, { rateLimit: "low" }, { token: owner.token });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: key.id, name: "Member key", rateLimit: "low" });
    const { allowedBefore, limited } = await countUntilLimited(60, () => get("/api/organizations/me", { token: key.key }));
    expect(allowedBefore).toBeGreaterThanOrEqual(59); // the request before the PATCH was counted by another binding
    expect(limited.headers.get("ratelimit-policy")).toBe('"key";q=60;w=60');

    // Raised again: a fresh allowance at once.
    expect((await patch(`/api/organizations/api-keys/${key.id}`, { rateLimit: "high" }, { token: owner.token })).status).toBe(200);
    const after = await get("/api/organizations/me", { token: key.key });
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-policy")).toBe('"key";q=6000;w=60');
    const row = await env.DB.prepare("SELECT rate_limit FROM api_keys WHERE id = ?").bind(key.id).first<{ rate_limit: string }>();
    expect(row!.rate_limit).toBe("high");
  });
});

describe("PATCH /api/organizations/api-keys/{id}", () => {
  it("renames and re-tiers, recording api_key.updated with the changed fields' old values", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const res = await patch(
      `/api/organizations/api-keys/${key.id}`,
      { name: "Booking site (EU)", rateLimit: "high" },
      { token: owner.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: key.id, name: "Booking site (EU)", rateLimit: "high", role: { name: "Member" } });
    expect(res.text).not.toContain(key.key);
    const event = await onlyEvent(owner.organization.id, "api_key.updated");
    expect(event.data.object).toMatchObject({ id: key.id, name: "Booking site (EU)", rateLimit: "high" });
    expect(event.data.previous).toEqual({ name: "Member key", rateLimit: "standard" });
    expect(event.raw).not.toContain("ork_");

    const list = await get("/api/organizations/api-keys", { token: owner.token });
    expect(list.body.data[0]).toMatchObject({ id: key.id, name: "Booking site (EU)", rateLimit: "high" });
  });

  it("{} changes nothing and records nothing; an unknown tier or field is a 400 and changes nothing", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const same = await patch(`/api/organizations/api-keys/${key.id}`, {}, { token: owner.token });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ name: "Member key", rateLimit: "standard" });
    expectProblem(
      await patch(`/api/organizations/api-keys/${key.id}`, offDocument({ rateLimit: "unlimited" }), { token: owner.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await patch(`/api/organizations/api-keys/${key.id}`, offDocument({ role: "Admin" }), { token: owner.token }),
      400,
      "validation_failed",
    );
    const row = await env.DB.prepare("SELECT name, rate_limit, role_key FROM api_keys WHERE id = ?").bind(key.id).first();
    expect(row).toEqual({ name: "Member key", rate_limit: "standard", role_key: "member" });
    const events = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE organization_id = ? AND type = 'api_key.updated'")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(events!.n).toBe(0);
  });

  it("creation refuses an unknown tier", async () => {
    const owner = await signUp();
    const res = await call("POST", "/api/organizations/api-keys", {
      token: owner.token,
      body: { name: "x", role: "Member", rateLimit: "unlimited" },
    });
    expectProblem(res, 400, "validation_failed");
  });

  it("no escalation: a caller holding api_keys.update cannot re-tier a key whose role grants more than it holds", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Key tuner", ["api_keys.update"]);
    const tuner = await addMember(owner.organization.id, "key tuner", "tuner");
    const adminKey = await createKey(owner.token, "Admin");
    const problem = expectProblem(
      await patch(`/api/organizations/api-keys/${adminKey.id}`, { rateLimit: "high" }, { token: tuner.token }),
      403,
      "forbidden",
    );
    expect(problem.detail).toContain("api_keys.delete");
    const row = await env.DB.prepare("SELECT rate_limit FROM api_keys WHERE id = ?").bind(adminKey.id).first<{ rate_limit: string }>();
    expect(row!.rate_limit).toBe("standard");
    // A key of a role it covers is fine.
    await createRole(owner.token, "Nothing", []);
    const plain = await createKey(owner.token, "Nothing");
    expect((await patch(`/api/organizations/api-keys/${plain.id}`, { rateLimit: "low" }, { token: tuner.token })).status).toBe(200);
  });

  it("Admin has api_keys.update; Member does not", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const member = await addMember(owner.organization.id, "member");
    expectProblem(await patch(`/api/organizations/api-keys/${key.id}`, { name: "x" }, { token: member.token }), 403, "forbidden");
    const perms = await get("/api/organizations/me/permissions", { token: owner.token });
    expect(perms.body.permissions["api_keys.update"]).toBe(true);
  });
});

describe("the document", () => {
  it("declares the 429 (with Retry-After) and RateLimit-Policy on every operation that authenticates, and neither on public ones", async () => {
    const doc = (await servedDocument()) as unknown as {
      paths: Record<
        string,
        Record<string, { security?: Record<string, string[]>[]; responses: Record<string, { headers?: Record<string, unknown> }> }>
      >;
    };
    let limited = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        const authenticates = op.security?.some((s) => Object.keys(s).length > 0) ?? false;
        const policy = op.responses["200"] ?? op.responses["201"] ?? op.responses["202"] ?? op.responses["204"];
        if (!authenticates) {
          expect(policy?.headers?.["RateLimit-Policy"], name).toBeUndefined();
          continue;
        }
        limited++;
        expect(op.responses["429"]?.headers?.["Retry-After"], `${name} 429`).toEqual({ $ref: "#/components/headers/Retry-After" });
        expect(policy?.headers?.["RateLimit-Policy"], name).toEqual({ $ref: "#/components/headers/RateLimit-Policy" });
        expect(op.responses["401"]?.headers?.["RateLimit-Policy"], `${name} 401`).toBeUndefined();
      }
    }
    expect(limited).toBeGreaterThan(30);
  });
});
