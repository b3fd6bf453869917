import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { mintToken } from "../../src/lib/tokens";
import { call, countUntilLimited, del, expectProblem, get, post } from "../helpers/api";
import { addMember, createKey, createRole, signUp, uniqueEmail, drainEmailQueue } from "../helpers/factories";

// Let the real consumer finish the emails this file queued before the runtime is torn down.
afterAll(() => drainEmailQueue(), 60_000);

/** An invitation created through the API. */
async function invite(token: string, email = uniqueEmail("invitee"), role = "Member") {
  const res = await post("/api/organizations/invitations", { email, role }, { token });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${res.text}`);
  return res.body as { id: string; email: string };
}

/**
 * A working link token for an invitation. The real one only travels in the queued email (see
 * story.test.ts for that path); here a known token's hash replaces the stored one, as a resend would.
 */
async function linkToken(invitationId: string): Promise<string> {
  const token = mintToken("invitation");
  const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))].map((b) => b.toString(16).padStart(2, "0")).join("");
  await env.DB.prepare("UPDATE invitations SET token_hash = ? WHERE id = ?").bind(hash, invitationId).run();
  return token;
}

const rowOf = (id: string) => env.DB.prepare("SELECT * FROM invitations WHERE id = ?").bind(id).first<Record<string, any>>();

describe("org invitations", () => {
  it("lists invitations with a status filter; a pending one past its expiry reads as expired", async () => {
    const owner = await signUp();
    const a = await invite(owner.token);
    const b = await invite(owner.token);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(Date.now() - 1000, b.id).run();
    const all = await get("/api/organizations/invitations", { token: owner.token });
    expect(all.body.data.map((i: any) => [i.id, i.status])).toEqual([
      [a.id, "pending"],
      [b.id, "expired"],
    ]);
    expect((await get("/api/organizations/invitations?status=pending", { token: owner.token })).body.data.map((i: any) => i.id)).toEqual([a.id]);
    expect((await get("/api/organizations/invitations?status=expired", { token: owner.token })).body.data.map((i: any) => i.id)).toEqual([b.id]);
    expectProblem(await get("/api/organizations/invitations?status=lost", { token: owner.token }), 400, "validation_failed");
  });

  it("inviting an existing member is a 409, and so is a second pending invitation to the same address (any case)", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id);
    expectProblem(await post("/api/organizations/invitations", { email: member.user.email.toUpperCase(), role: "Member" }, { token: owner.token }), 409, "already_member");
    const first = await invite(owner.token, "Twice@Example.com");
    expect(first.email).toBe("twice@example.com");
    expectProblem(await post("/api/organizations/invitations", { email: "twice@EXAMPLE.com", role: "Member" }, { token: owner.token }), 409, "invitation_pending");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?").bind(owner.organization.id).first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("an expired pending invitation gives way to a new one", async () => {
    const owner = await signUp();
    const old = await invite(owner.token, "again@example.com");
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(Date.now() - 1000, old.id).run();
    const fresh = await invite(owner.token, "again@example.com");
    expect(fresh.id).not.toBe(old.id);
    expect((await rowOf(old.id))!.status).toBe("expired");
  });

  it("a Member without users.invite → 403; inviting with a role above the inviter's permissions → 403", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id);
    expectProblem(await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: member.token }), 403, "forbidden");
    await createRole(owner.token, "Recruiter", ["users.invite", "users.read", "roles.read"]);
    const recruiter = await addMember(owner.organization.id, "recruiter");
    const res = await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Admin" }, { token: recruiter.token });
    expect(expectProblem(res, 403, "forbidden").detail).toContain("users.delete");
    expect((await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: recruiter.token })).status).toBe(201);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?").bind(owner.organization.id).first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("invitation creation is rate limited per organization (429 with Retry-After)", async () => {
    const owner = await signUp();
    const other = await signUp();
    const { allowedBefore, limited, statuses } = await countUntilLimited(60, () =>
      post("/api/organizations/invitations", { email: uniqueEmail("flood"), role: "Member" }, { token: owner.token }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(60);
    expect(statuses.slice(0, allowedBefore).every((s) => s === 201)).toBe(true);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
    // Another organization is not affected.
    expect((await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: other.token })).status).toBe(201);
  });

  it("an API key can invite; invitedBy names the key", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const res = await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: key.key });
    expect(res.status).toBe(201);
    expect(res.body.invitedBy).toEqual({ type: "api_key", id: key.id, name: "Admin key" });
  });

  it("bad bodies are 400s and create nothing", async () => {
    const owner = await signUp();
    expectProblem(await post("/api/organizations/invitations", { email: "not-an-email", role: "Member" }, { token: owner.token }), 400, "validation_failed");
    expectProblem(await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Wizard" }, { token: owner.token }), 400, "validation_failed");
    expectProblem(await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member", status: "accepted" }, { token: owner.token }), 400, "validation_failed");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?").bind(owner.organization.id).first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("another organization's invitation ids are 404 for resend and revoke, and it stays pending", async () => {
    const a = await signUp();
    const b = await signUp();
    const bInv = await invite(b.token);
    expectProblem(await post(`/api/organizations/invitations/${bInv.id}`, undefined, { token: a.token }), 404, "not_found");
    expectProblem(await del(`/api/organizations/invitations/${bInv.id}`, { token: a.token }), 404, "not_found");
    expect((await rowOf(bInv.id))!.status).toBe("pending");
    expect((await get("/api/organizations/invitations", { token: a.token })).body.data).toEqual([]);
  });

  it("a pending invitation holds its role: the role cannot be deleted, and a rename carries it", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", ["users.read"]);
    const inv = await invite(owner.token, uniqueEmail(), "Guide");
    expectProblem(await del(`/api/organizations/roles/${guide.id}`, { token: owner.token }), 409, "role_in_use");
    await call("PATCH", `/api/organizations/roles/${guide.id}`, { token: owner.token, body: { name: "Lead Guide" } });
    expect((await rowOf(inv.id))!.role_key).toBe("lead guide");
  });
});

describe("resend, revoke and expiry", () => {
  it("resend: a new token (the old link 404s), a new 7-day expiry, a new email id", async () => {
    const owner = await signUp();
    const inv = await invite(owner.token);
    const oldToken = await linkToken(inv.id);
    const before = await rowOf(inv.id);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(Date.now() + 1000, inv.id).run();

    const resent = await post(`/api/organizations/invitations/${inv.id}`, undefined, { token: owner.token });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: inv.id, status: "pending", deliveryStatus: "queued" });
    expect((Date.parse(resent.body.expiresAt) - Date.now()) / 86_400_000).toBeGreaterThan(6.99);
    const after = await rowOf(inv.id);
    expect(after!.token_hash).not.toBe(before!.token_hash);
    expect(after!.email_id).not.toBe(before!.email_id);
    expectProblem(await get(`/api/invitations/${oldToken}`), 404, "not_found");
    expectProblem(await post(`/api/invitations/${oldToken}/accept`, { name: "X", password: "long-enough" }), 404, "not_found");

    const newToken = await linkToken(inv.id);
    expect((await post(`/api/invitations/${newToken}/accept`, { name: "X", password: "long-enough" })).status).toBe(200);
    expectProblem(await post(`/api/organizations/invitations/${inv.id}`, undefined, { token: owner.token }), 409, "conflict");
  });

  it("an expired invitation is a 410 to accept, and resending revives it", async () => {
    const owner = await signUp();
    const inv = await invite(owner.token);
    const token = await linkToken(inv.id);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, inv.id).run();
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "Late", password: "long-enough" }), 410, "invitation_expired");
    expectProblem(await post(`/api/invitations/${token}/decline`), 410, "invitation_expired");
    expect((await get(`/api/invitations/${token}`)).body.status).toBe("expired");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?").bind(owner.organization.id).first()).toEqual({ n: 1 });

    expect((await post(`/api/organizations/invitations/${inv.id}`, undefined, { token: owner.token })).status).toBe(200);
    const fresh = await linkToken(inv.id);
    expect((await post(`/api/invitations/${fresh}/accept`, { name: "Late", password: "long-enough" })).status).toBe(200);
  });
});

describe("accepting", () => {
  it("accepting with a session of a different email → 403 and nothing changes", async () => {
    const owner = await signUp();
    const inv = await invite(owner.token);
    const token = await linkToken(inv.id);
    const stranger = await signUp();
    expectProblem(await post(`/api/invitations/${token}/accept`, undefined, { token: stranger.token }), 403, "forbidden");
    expect((await rowOf(inv.id))!.status).toBe("pending");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?").bind(owner.organization.id).first()).toEqual({ n: 1 });
    expect((await get("/api/organizations/me", { token: stranger.token })).body.id).toBe(stranger.organization.id);
  });

  it("20 concurrent accepts create exactly one membership", async () => {
    const owner = await signUp();
    const invitee = await signUp();
    const inv = await invite(owner.token, invitee.user.email);
    const token = await linkToken(inv.id);
    const results = await Promise.all(Array.from({ length: 20 }, () => post(`/api/invitations/${token}/accept`, undefined, { token: invitee.token })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 404)).toBe(true);
    const members = await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND user_id = ?").bind(owner.organization.id, invitee.user.id).first();
    expect(members).toEqual({ n: 1 });
  });

  it("20 concurrent sign-up accepts create exactly one account and one membership", async () => {
    const owner = await signUp();
    const email = uniqueEmail("racer");
    const inv = await invite(owner.token, email);
    const token = await linkToken(inv.id);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(`/api/invitations/${token}/accept`, { name: `Racer ${i}`, password: "long-enough" })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first()).toEqual({ n: 1 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?").bind(owner.organization.id).first()).toEqual({ n: 2 });
  });

  it("accepting as an existing member is a 409 and the invitation stays pending", async () => {
    const owner = await signUp();
    const invitee = await signUp();
    const inv = await invite(owner.token, invitee.user.email);
    const token = await linkToken(inv.id);
    // They joined another way meanwhile.
    await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
      .bind("mem_03ZZZZZZZZZZZZZZZZZZZZZZZZ", owner.organization.id, invitee.user.id, Date.now())
      .run();
    expectProblem(await post(`/api/invitations/${token}/accept`, undefined, { token: invitee.token }), 409, "already_member");
    expect((await rowOf(inv.id))!.status).toBe("pending");
  });

  it("malformed and unknown tokens are 404s; an API key cannot accept", async () => {
    const owner = await signUp();
    for (const token of ["garbage", mintToken("invitation"), mintToken("session")]) {
      expectProblem(await get(`/api/invitations/${token}`), 404, "not_found");
      expectProblem(await post(`/api/invitations/${token}/accept`, { name: "X", password: "long-enough" }), 404, "not_found");
      expectProblem(await post(`/api/invitations/${token}/decline`), 404, "not_found");
    }
    const key = await createKey(owner.token, "Admin");
    const inv = await invite(owner.token);
    const token = await linkToken(inv.id);
    expectProblem(await post(`/api/invitations/${token}/accept`, undefined, { token: key.key }), 403, "forbidden");
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "Only name" }), 400, "validation_failed");
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "X", password: "short" }), 400, "validation_failed");
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "X", password: "long-enough", role: "Admin" }), 400, "validation_failed");
    expect((await rowOf(inv.id))!.status).toBe("pending");
  });
});

describe("the dev outbox", () => {
  it("exists in development and is a 404 in production", async () => {
    expect((await get("/api/dev/outbox?to=nobody@example.com")).status).toBe(200);
    const production = { ...(env as Env), ENVIRONMENT: "production" } as Env;
    expectProblem(await call("GET", "/api/dev/outbox", { env: production }), 404, "not_found");
  });
});
