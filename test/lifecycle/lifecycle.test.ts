import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { del, expectProblem, get, patch, post, put } from "../helpers/api";
import { addMember, SEEDED_PASSWORD, signUp, uniqueEmail } from "../helpers/factories";
import { storedEvents } from "../helpers/events";
import { currentCode, enableMfa, forgetLastStep } from "../helpers/mfa";
import { withSession } from "../helpers/sign-in";

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

describe("POST /api/organizations", () => {
  it("creates an organization with the caller as Admin, records organization.created and member.added, and keeps the active organization", async () => {
    const owner = await signUp();
    const res = await post("/api/organizations", { name: "Second Tours", timezone: "Europe/Madrid" }, { token: owner.token });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^org_/),
      name: "Second Tours",
      logo: null,
      timezone: "Europe/Madrid",
      requireMfa: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const events = await storedEvents(res.body.id);
    expect(events.map((e) => e.type)).toEqual(["organization.created", "member.added"]);
    expect(events.every((e) => e.actor.id === owner.user.id && e.actor.type === "user")).toBe(true);
    expect(events[1]!.data.object).toMatchObject({ user: { id: owner.user.id }, role: { name: "Admin" } });
    expect(events[0]!.requestId).toBe(events[1]!.requestId);

    const session = await get("/api/auth/session", { token: owner.token });
    expect(session.body.organization?.id).toBe(owner.organization.id);
    const mine = await get("/api/users/me/organizations", { token: owner.token });
    expect(mine.body.data.map((m: any) => [m.organization.id, m.role.name])).toEqual([
      [owner.organization.id, "Admin"],
      [res.body.id, "Admin"],
    ]);
    const switched = await put("/api/auth/session/organization", { organizationId: res.body.id }, { token: owner.token });
    expect(switched.body.role?.name).toBe("Admin");
  });

  it("a retry with the same Idempotency-Key gets the same organization, not a second one", async () => {
    const owner = await signUp();
    const headers = { "idempotency-key": "create-org-once" };
    const first = await post("/api/organizations", { name: "Once Tours" }, { token: owner.token, headers });
    const again = await post("/api/organizations", { name: "Once Tours" }, { token: owner.token, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await count("SELECT count(*) AS n FROM members WHERE user_id = ?", owner.user.id)).toBe(2);
  });

  it("an unverified user gets 403 email_not_verified and nothing is created", async () => {
    const owner = await signUp({ verified: false });
    const before = await count("SELECT count(*) AS n FROM members WHERE user_id = ?", owner.user.id);
    expectProblem(await post("/api/organizations", { name: "Nope" }, { token: owner.token }), 403, "email_not_verified");
    expect(await count("SELECT count(*) AS n FROM members WHERE user_id = ?", owner.user.id)).toBe(before);
  });

  it("bad input is a 400 and creates nothing", async () => {
    const owner = await signUp();
    expectProblem(await post("/api/organizations", { name: "" }, { token: owner.token }), 400, "validation_failed");
    expectProblem(
      await post("/api/organizations", { name: "X", timezone: "Mars/Olympus" }, { token: owner.token }),
      400,
      "validation_failed",
    );
    expect(await count("SELECT count(*) AS n FROM members WHERE user_id = ?", owner.user.id)).toBe(1);
  });

  it("is rate limited per user: 10 a minute, then 429 with Retry-After", async () => {
    const owner = await signUp();
    let created = 0;
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 22 && !limited; i++) {
      const res = await post("/api/organizations", { name: `Burst ${i}` }, { token: owner.token });
      if (res.status === 429) limited = res;
      else if (res.status === 201) created++;
    }
    expect(limited).toBeDefined();
    expectProblem(limited!, 429, "rate_limited");
    expect(limited!.headers.get("retry-after")).toBe("60");
    expect(created).toBeGreaterThanOrEqual(10);
    expect(await count("SELECT count(*) AS n FROM members WHERE user_id = ?", owner.user.id)).toBe(created + 1);
  });
});

describe("DELETE /api/users/me/organizations/{organizationId}", () => {
  it("a member leaves: 204, member.removed by the user, and sessions active there move to the next organization", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    // The member also belongs to an organization of their own, joined later.
    const other = await signUp();
    await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
      .bind(`mem_${"Z".repeat(26)}`, other.organization.id, member.user.id, Date.now())
      .run();
    expect((await get("/api/organizations/me", { token: member.token })).body.id).toBe(owner.organization.id);

    const res = await del(`/api/users/me/organizations/${owner.organization.id}`, { token: member.token });
    expect(res.status).toBe(204);
    expect(
      await count("SELECT count(*) AS n FROM members WHERE user_id = ? AND organization_id = ?", member.user.id, owner.organization.id),
    ).toBe(0);
    const removed = (await storedEvents(owner.organization.id, "member.removed")).at(-1)!;
    expect(removed.actor).toEqual({ type: "user", id: member.user.id, name: member.user.name });
    expect(removed.data.object.user.id).toBe(member.user.id);
    const session = await get("/api/auth/session", { token: member.token });
    expect(session.body.organization?.id).toBe(other.organization.id);
    expect((await get("/api/organizations/me", { token: member.token })).body.id).toBe(other.organization.id);
  });

  it("leaving the last organization leaves the session with none", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    expect((await del(`/api/users/me/organizations/${owner.organization.id}`, { token: member.token })).status).toBe(204);
    const session = await get("/api/auth/session", { token: member.token });
    expect(session.body.organization).toBeNull();
    expectProblem(await get("/api/organizations/me", { token: member.token }), 404, "no_active_organization");
  });

  it("the last Admin cannot leave: 409 last_admin, and the membership stays", async () => {
    const owner = await signUp();
    await addMember(owner.organization.id, "member");
    expectProblem(await del(`/api/users/me/organizations/${owner.organization.id}`, { token: owner.token }), 409, "last_admin");
    const alone = await signUp();
    expectProblem(await del(`/api/users/me/organizations/${alone.organization.id}`, { token: alone.token }), 409, "last_admin");
    expect(await count("SELECT count(*) AS n FROM members WHERE user_id = ?", owner.user.id)).toBe(1);
    expect((await storedEvents(owner.organization.id, "member.removed")).length).toBe(0);
  });

  it("an Admin leaves while another Admin remains", async () => {
    const owner = await signUp();
    await addMember(owner.organization.id, "admin");
    expect((await del(`/api/users/me/organizations/${owner.organization.id}`, { token: owner.token })).status).toBe(204);
  });

  it("an organization the caller does not belong to, or a malformed id, is a 404", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    expectProblem(await del(`/api/users/me/organizations/${stranger.organization.id}`, { token: owner.token }), 404, "not_found");
    expectProblem(await del(`/api/users/me/organizations/not-an-id`, { token: owner.token }), 404, "not_found");
    expect(await count("SELECT count(*) AS n FROM members WHERE organization_id = ?", stranger.organization.id)).toBe(1);
  });
});

describe("DELETE /api/users/me", () => {
  it("deletes the account: solo organizations go (organization.deleted), shared memberships are removed, every session dies at once, the address signs up again", async () => {
    const email = uniqueEmail("leaver");
    const me = await signUp({ email, name: "Lea Leaver" });
    const secondSession = withSession(await post("/api/auth/sign-in", { email, password: "a-strong-password" })).body.session.token;
    const shared = await signUp();
    const membership = await env.DB.prepare(
      "INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?) RETURNING id",
    )
      .bind(`mem_${"Y".repeat(26)}`, shared.organization.id, me.user.id, Date.now())
      .first<{ id: string }>();
    // Warm every cache tier for both sessions.
    expect((await get("/api/auth/session", { token: me.token })).status).toBe(200);
    expect((await get("/api/auth/session", { token: secondSession })).status).toBe(200);

    expectProblem(await del("/api/users/me", { token: me.token, body: { password: "wrong-password" } }), 403, "current_password_incorrect");
    const res = await del("/api/users/me", { token: me.token, body: { password: "a-strong-password" } });
    expect(res.status).toBe(204);

    for (const token of [me.token, secondSession]) expectProblem(await get("/api/auth/session", { token }), 401, "unauthenticated");
    expect(await count("SELECT count(*) AS n FROM users WHERE id = ?", me.user.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM sessions WHERE user_id = ?", me.user.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM organizations WHERE id = ?", me.organization.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM members WHERE user_id = ?", me.user.id)).toBe(0);
    expect((await storedEvents(me.organization.id, "organization.deleted")).length).toBe(1);
    const removed = await storedEvents(shared.organization.id, "member.removed");
    expect(removed.map((e) => e.data.object.id)).toEqual([membership!.id]);

    // What the events keep of the user: the id, not the name or the address.
    for (const event of [...(await storedEvents(me.organization.id)), ...(await storedEvents(shared.organization.id))]) {
      // (The organization sign-up named after the user keeps its name: it is the organization's.)
      expect(event.raw.replaceAll("Lea Leaver's organization", "")).not.toContain("Lea Leaver");
      expect(event.raw).not.toContain(email);
    }
    expect(removed[0]!.actor).toEqual({ type: "user", id: me.user.id, name: "Deleted user" });
    expect(removed[0]!.data.object.user).toMatchObject({ id: me.user.id, name: "Deleted user", email: "" });

    const again = await post("/api/auth/sign-up", { email, password: "a-strong-password", name: "Lea Again" });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(me.user.id);
  });

  it("the only Admin of an organization with other members is refused with 409 sole_admin naming it, and nothing changes", async () => {
    const me = await signUp({ organizationName: "Busy Tours" });
    await addMember(me.organization.id, "member");
    const solo = await post("/api/organizations", { name: "Quiet Tours" }, { token: me.token });
    expect(solo.status).toBe(201);
    const problem = expectProblem(
      await del("/api/users/me", { token: me.token, body: { password: "a-strong-password" } }),
      409,
      "sole_admin",
    );
    expect(problem.detail).toContain("Busy Tours");
    expect(problem.detail).toContain(me.organization.id);
    expect(problem.detail).not.toContain("Quiet Tours");
    expect(await count("SELECT count(*) AS n FROM users WHERE id = ?", me.user.id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM organizations WHERE id = ?", solo.body.id)).toBe(1);
    expect((await get("/api/auth/session", { token: me.token })).status).toBe(200);
  });

  it("with MFA on, a code is required (403 mfa_code_invalid without or with a wrong one); a recovery code works", async () => {
    const me = await signUp();
    const { secret, recoveryCodes } = await enableMfa(me.token);
    await forgetLastStep(me.user.id);
    expectProblem(await del("/api/users/me", { token: me.token, body: { password: "a-strong-password" } }), 403, "mfa_code_invalid");
    const wrong = currentCode(secret) === "000000" ? "111111" : "000000";
    expectProblem(
      await del("/api/users/me", { token: me.token, body: { password: "a-strong-password", code: wrong } }),
      403,
      "mfa_code_invalid",
    );
    expect(await count("SELECT count(*) AS n FROM users WHERE id = ?", me.user.id)).toBe(1);
    expect((await del("/api/users/me", { token: me.token, body: { password: "a-strong-password", code: recoveryCodes[9] } })).status).toBe(
      204,
    );
    expect(await count("SELECT count(*) AS n FROM users WHERE id = ?", me.user.id)).toBe(0);
  });

  it("an Admin with another Admin beside them may delete the account; the organization stays", async () => {
    const me = await signUp();
    await addMember(me.organization.id, "admin");
    expect((await del("/api/users/me", { token: me.token, body: { password: "a-strong-password" } })).status).toBe(204);
    expect(await count("SELECT count(*) AS n FROM organizations WHERE id = ?", me.organization.id)).toBe(1);
    expect(await count("SELECT member_count AS n FROM organizations WHERE id = ?", me.organization.id)).toBe(1);
  });
});

describe("requireMfa", () => {
  it("only an Admin with MFA turns it on (409 mfa_not_enabled otherwise); then sessions without MFA get 403 mfa_required, API keys and account routes still work", async () => {
    const owner = await signUp();
    const key = (await post("/api/organizations/api-keys", { name: "Integration", role: "Member" }, { token: owner.token })).body.key;
    const member = await addMember(owner.organization.id, "member");
    expectProblem(await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token }), 409, "mfa_not_enabled");
    expectProblem(
      await patch(
        "/api/organizations/me",
        { requireMfa: true },
        { token: (await post("/api/organizations/api-keys", { name: "Admin key", role: "Admin" }, { token: owner.token })).body.key },
      ),
      409,
      "mfa_not_enabled",
    );
    expect((await get("/api/organizations/me", { token: owner.token })).body.requireMfa).toBe(false);

    await enableMfa(owner.token);
    const res = await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.requireMfa).toBe(true);
    const updated = (await storedEvents(owner.organization.id, "organization.updated")).at(-1)!;
    expect(updated.data).toMatchObject({ object: { requireMfa: true }, previous: { requireMfa: false } });

    const blocked = expectProblem(await get("/api/organizations/members", { token: member.token }), 403, "mfa_required");
    expect(blocked.detail).toContain("POST /api/auth/mfa/totp");
    expectProblem(await get("/api/organizations/me", { token: member.token }), 403, "mfa_required");
    // Account routes still work, so the member can enroll.
    expect((await get("/api/auth/session", { token: member.token })).status).toBe(200);
    expect((await get("/api/users/me/organizations", { token: member.token })).status).toBe(200);
    await enableMfa(member.token, SEEDED_PASSWORD);
    expect((await get("/api/organizations/members", { token: member.token })).status).toBe(200);
    // The Admin (with MFA) and an API key are unaffected.
    expect((await get("/api/organizations/members", { token: owner.token })).status).toBe(200);
    expect((await get("/api/organizations/me", { token: key })).status).toBe(200);
  });
});
