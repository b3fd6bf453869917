import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countUntilLimited, expectProblem, get, post, put, offDocument, type ApiResponse } from "../helpers/api";
import type { Schemas } from "../helpers/document";
import { addMember, signUp, uniqueEmail } from "../helpers/factories";
import { testContext } from "../helpers/context";
import { authCache } from "../../src/cache/auth-cache";
import { sha256Hex } from "../../src/lib/tokens";
import { withSession } from "../helpers/sign-in";

describe("sign-up", () => {
  it("creates the user, an organization where they are Admin, and a working session", async () => {
    const email = uniqueEmail("ana");
    const res = await post("/api/auth/sign-up", {
      email: `  ${email.toUpperCase()} `,
      password: "correct horse",
      name: "Ana",
      organizationName: "Ana Adventures",
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user: { id: expect.stringMatching(/^usr_/), email, name: "Ana", emailVerified: false, mfaEnabled: false },
      organization: {
        id: expect.stringMatching(/^org_/),
        name: "Ana Adventures",
        logo: null,
        timezone: "UTC",
        requireMfa: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
      session: { token: expect.stringMatching(/^sst_/), expiresAt: expect.any(String) },
    });
    const days = (Date.parse(res.body.session.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(res.headers.get("set-cookie")).toMatch(/session=sst_.*HttpOnly.*Secure.*SameSite=Lax/i);

    const session = await get("/api/auth/session", { token: res.body.session.token });
    expect(session.body).toMatchObject({
      user: { email },
      organization: { id: res.body.organization.id },
      role: { id: "role_system_admin", name: "Admin", source: "system" },
      isSuperAdmin: false,
    });
    const user = await env.DB.prepare("SELECT password_hash FROM users WHERE email = ?").bind(email).first<{ password_hash: string }>();
    expect(user!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  });

  it("names the organization after the user when no name is given", async () => {
    const owner = await signUp({ name: "Bo" });
    expect(owner.organization.name).toBe("Bo's organization");
  });

  it("a duplicate email (any case) is a 409 and creates nothing", async () => {
    const email = uniqueEmail("dup");
    await signUp({ email });
    const before = await env.DB.prepare("SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM organizations) AS o").first();
    expectProblem(
      await post("/api/auth/sign-up", { email: email.toUpperCase(), password: "another-password", name: "Dup" }),
      409,
      "email_taken",
    );
    const after = await env.DB.prepare("SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM organizations) AS o").first();
    expect(after).toEqual(before);
  });

  it("is rate limited per IP", async () => {
    const { allowedBefore, limited } = await countUntilLimited(30, () =>
      post(
        "/api/auth/sign-up",
        { email: uniqueEmail("su"), password: "long-enough", name: "S" },
        { headers: { "cf-connecting-ip": "203.0.113.77" } },
      ),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(30);
    expectProblem(limited, 429, "rate_limited");
  });

  it("rejects a short password, a bad email and unknown fields", async () => {
    const bad = await post("/api/auth/sign-up", { email: "not-an-email", password: "short", name: "" });
    expect(
      expectProblem(bad, 400, "validation_failed")
        .errors!.map((e) => e.path)
        .sort(),
    ).toEqual(["email", "name", "password"]);
    expectProblem(
      await post("/api/auth/sign-up", offDocument({ email: uniqueEmail(), password: "long-enough", name: "X", isSuperAdmin: true })),
      400,
      "validation_failed",
    );
  });
});

describe("sign-in", () => {
  it("signs in with the right password, case-insensitively on email", async () => {
    const email = uniqueEmail("sig");
    const owner = await signUp({ email, password: "the-password" });
    const res = withSession(await post("/api/auth/sign-in", { email: email.toUpperCase(), password: "the-password" }));
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual(owner.user);
    const session = await get("/api/auth/session", { token: res.body.session.token });
    expect(session.body.organization?.id).toBe(owner.organization.id);
  });

  it("answers the same 401 for an unknown email and a wrong password", async () => {
    const email = uniqueEmail("same");
    await signUp({ email, password: "the-password" });
    const wrong = await post("/api/auth/sign-in", { email, password: "not-the-password" });
    const unknown = await post("/api/auth/sign-in", { email: uniqueEmail("nobody"), password: "not-the-password" });
    expectProblem(wrong, 401, "unauthenticated");
    expectProblem(unknown, 401, "unauthenticated");
    expect({ ...wrong.body, requestId: 0 }).toEqual({ ...unknown.body, requestId: 0 });
  });

  it("is rate limited per email (429 with Retry-After)", async () => {
    const email = uniqueEmail("limited");
    await signUp({ email });
    const { allowedBefore, limited, statuses } = await countUntilLimited(10, () =>
      post("/api/auth/sign-in", { email, password: "wrong-password" }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(10);
    expect(statuses.slice(0, allowedBefore).every((s) => s === 401)).toBe(true);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
  });

  it("is rate limited per IP across emails", async () => {
    const { allowedBefore, statuses } = await countUntilLimited(30, () =>
      post("/api/auth/sign-in", { email: uniqueEmail("ip"), password: "whatever" }, { headers: { "cf-connecting-ip": "203.0.113.9" } }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(30);
    expect(statuses.slice(0, allowedBefore).every((s) => s === 401)).toBe(true);
  });
});

describe("sessions", () => {
  it("sign-out revokes the session at once and clears the cookie", async () => {
    const owner = await signUp();
    expect((await get("/api/organizations/me", { token: owner.token })).status).toBe(200);
    const out = await post("/api/auth/sign-out", undefined, { token: owner.token });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/session=;/);
    expectProblem(await get("/api/organizations/me", { token: owner.token }), 401, "unauthenticated");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(owner.user.id).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("slides the expiry forward once a day, after the response", async () => {
    const owner = await signUp();
    const twentyDays = Date.now() + 20 * 86_400_000;
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?").bind(twentyDays, owner.user.id).run();
    await authCache.invalidateCredential(testContext(), await sha256Hex(owner.token));
    expect((await get("/api/organizations/me", { token: owner.token })).status).toBe(200);
    const row = await env.DB.prepare("SELECT expires_at FROM sessions WHERE user_id = ?")
      .bind(owner.user.id)
      .first<{ expires_at: number }>();
    expect(row!.expires_at).toBeGreaterThan(Date.now() + 29.9 * 86_400_000);
    const view = await get("/api/auth/session", { token: owner.token });
    expect(Date.parse(view.body.expiresAt)).toBe(row!.expires_at);
  });

  it("an expired session is a 401", async () => {
    const owner = await signUp();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, owner.user.id)
      .run();
    await authCache.invalidateCredential(testContext(), await sha256Hex(owner.token));
    expectProblem(await get("/api/organizations/me", { token: owner.token }), 401, "unauthenticated");
  });

  it("switches the active organization to one the user belongs to, and 404s for any other", async () => {
    const owner = await signUp({ organizationName: "First Org" });
    const other = await signUp({ organizationName: "Second Org" });
    // owner joins the second org as a Member
    await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
      .bind("mem_01ZZZZZZZZZZZZZZZZZZZZZZZZ", other.organization.id, owner.user.id, Date.now())
      .run();

    const switched = await put("/api/auth/session/organization", { organizationId: other.organization.id }, { token: owner.token });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ organization: { id: other.organization.id, name: "Second Org" }, role: { name: "Member" } });
    expect((await get("/api/organizations/me", { token: owner.token })).body.id).toBe(other.organization.id);

    const stranger = await signUp();
    expectProblem(
      await put("/api/auth/session/organization", { organizationId: stranger.organization.id }, { token: owner.token }),
      404,
      "not_found",
    );
    expectProblem(await put("/api/auth/session/organization", { organizationId: "org_nope" }, { token: owner.token }), 404, "not_found");
    expect((await get("/api/organizations/me", { token: owner.token })).body.id).toBe(other.organization.id);

    const mine = await get("/api/users/me/organizations", { token: owner.token });
    expect(mine.status).toBe(200);
    expect(mine.body.nextCursor).toBeNull();
    expect(
      mine.body.data.map((m: { organization: { name: string }; role: { name: string } }) => [m.organization.name, m.role.name]),
    ).toEqual([
      ["First Org", "Admin"],
      ["Second Org", "Member"],
    ]);
  });

  it("lists my organizations page by page", async () => {
    const owner = await signUp({ organizationName: "Org 0" });
    for (let i = 1; i <= 4; i++) {
      const other = await signUp({ organizationName: `Org ${i}` });
      await addMember(other.organization.id, "member"); // noise: other people's memberships
      await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
        .bind(`mem_02${String(i).padStart(24, "0")}`, other.organization.id, owner.user.id, Date.now())
        .run();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse<Schemas["MyOrganizationPage"]> = await get(
        `/api/users/me/organizations?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { token: owner.token },
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((m) => m.organization.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["Org 0", "Org 1", "Org 2", "Org 3", "Org 4"]);
    expectProblem(await get("/api/users/me/organizations?cursor=forged", { token: owner.token }), 400, "invalid_cursor");
    expectProblem(await get("/api/users/me/organizations?limit=0", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/users/me/organizations?limit=101", { token: owner.token }), 400, "validation_failed");
  });
});
