import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countUntilLimited, expectProblem, get, post, offDocument } from "../helpers/api";
import { signUp, uniqueEmail } from "../helpers/factories";
import { tokenIn, waitForEmail } from "../helpers/emails";
import { mintToken } from "../../src/lib/tokens";
import { withSession } from "../helpers/sign-in";

const tokensOf = (userId: string) =>
  env.DB.prepare(
    "SELECT kind, expires_at - created_at AS ttl, used_at FROM email_tokens WHERE user_id = ? AND kind = 'reset_password' ORDER BY id",
  )
    .bind(userId)
    .all<{ kind: string; ttl: number; used_at: number | null }>();

async function resetLink(email: string, count = 1) {
  return tokenIn((await waitForEmail(email, "reset", count))[0]!.text, "reset");
}

describe("asking for a password reset", () => {
  it("answers the same 202 body whether or not the account exists; only a real account gets a link", async () => {
    const owner = await signUp();
    const nobody = uniqueEmail("nobody");
    const known = await post("/api/auth/password-reset", { email: owner.user.email.toUpperCase() });
    const unknown = await post("/api/auth/password-reset", { email: nobody });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.text).toBe(unknown.text);
    expect(known.body).toEqual({ message: expect.stringContaining("If an account has this address") });

    const token = await resetLink(owner.user.email);
    expect(token).toMatch(/^prt_/);
    const rows = await tokensOf(owner.user.id);
    expect(rows.results).toEqual([{ kind: "reset_password", ttl: 60 * 60 * 1000, used_at: null }]); // 1 hour
    const forNobody = await env.DB.prepare("SELECT count(*) AS n FROM email_tokens WHERE email = ?").bind(nobody).first<{ n: number }>();
    expect(forNobody!.n).toBe(0);
    expect(((await call("GET", `/api/dev/outbox?to=${encodeURIComponent(nobody)}`)).body as { data: unknown[] }).data).toEqual([]);
  });

  it("is rate limited per address, whoever asks (429 with Retry-After)", async () => {
    const owner = await signUp();
    const { allowedBefore, limited } = await countUntilLimited(3, () => post("/api/auth/password-reset", { email: owner.user.email }));
    expect(allowedBefore).toBeGreaterThanOrEqual(3);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
  });

  it("is rate limited per client IP across addresses", async () => {
    const ip = "203.0.113.77";
    const { allowedBefore, limited } = await countUntilLimited(30, () =>
      call("POST", "/api/auth/password-reset", { body: { email: uniqueEmail("spray") }, headers: { "cf-connecting-ip": ip } }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(30);
    expectProblem(limited, 429, "rate_limited");
  });

  it("a malformed address is a 400, as anywhere", async () => {
    expectProblem(await post("/api/auth/password-reset", { email: "not-an-address" }), 400, "validation_failed");
    expectProblem(await post("/api/auth/password-reset", offDocument({ email: "a@b.example", extra: 1 })), 400, "validation_failed");
  });
});

describe("setting a new password with the link", () => {
  it("sets the password, verifies the address and revokes every session of the user at once", async () => {
    const owner = await signUp({ password: "the-old-password", verified: false });
    const second = withSession(await post("/api/auth/sign-in", { email: owner.user.email, password: "the-old-password" }));
    // Warm both sessions into the cache: revocation must not wait for it.
    expect((await get("/api/auth/session", { token: owner.token })).status).toBe(200);
    expect((await get("/api/auth/session", { token: second.body.session.token })).status).toBe(200);

    await post("/api/auth/password-reset", { email: owner.user.email });
    const token = await resetLink(owner.user.email);
    const done = await post("/api/auth/password-reset/confirm", { token, password: "a-brand-new-password" });
    expect(done.status).toBe(204);
    expect(done.text).toBe("");

    expectProblem(await get("/api/auth/session", { token: owner.token }), 401, "unauthenticated");
    expectProblem(await get("/api/auth/session", { token: second.body.session.token }), 401, "unauthenticated");
    const left = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(owner.user.id).first<{ n: number }>();
    expect(left!.n).toBe(0);
    expectProblem(await post("/api/auth/sign-in", { email: owner.user.email, password: "the-old-password" }), 401, "unauthenticated");
    const signedIn = withSession(await post("/api/auth/sign-in", { email: owner.user.email, password: "a-brand-new-password" }));
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.emailVerified).toBe(true);
  });

  it("a link works once; a newer link kills the older one", async () => {
    const owner = await signUp();
    await post("/api/auth/password-reset", { email: owner.user.email });
    const first = await resetLink(owner.user.email);
    await post("/api/auth/password-reset", { email: owner.user.email });
    const second = await resetLink(owner.user.email, 2);
    expect(second).not.toBe(first);
    expectProblem(await post("/api/auth/password-reset/confirm", { token: first, password: "first-new-password" }), 404, "not_found");
    expect((await post("/api/auth/password-reset/confirm", { token: second, password: "second-new-password" })).status).toBe(204);
    expectProblem(await post("/api/auth/password-reset/confirm", { token: second, password: "third-new-password" }), 404, "not_found");
    expect((await post("/api/auth/sign-in", { email: owner.user.email, password: "second-new-password" })).status).toBe(200);
  });

  it("an expired link (past 1 hour) is a 410 and changes nothing", async () => {
    const owner = await signUp({ password: "unchanged-password" });
    await post("/api/auth/password-reset", { email: owner.user.email });
    const token = await resetLink(owner.user.email);
    await env.DB.prepare("UPDATE email_tokens SET expires_at = ? WHERE user_id = ? AND kind = 'reset_password'")
      .bind(Date.now() - 1, owner.user.id)
      .run();
    expectProblem(await post("/api/auth/password-reset/confirm", { token, password: "would-be-new-password" }), 410, "token_expired");
    expect((await get("/api/auth/session", { token: owner.token })).status).toBe(200);
    expect((await post("/api/auth/sign-in", { email: owner.user.email, password: "unchanged-password" })).status).toBe(200);
  });

  it("a too-short password is a 400 and leaves the link usable; a wrong-kind token is a 404", async () => {
    const owner = await signUp();
    await post("/api/auth/password-reset", { email: owner.user.email });
    const token = await resetLink(owner.user.email);
    expectProblem(await post("/api/auth/password-reset/confirm", { token, password: "short" }), 400, "validation_failed");
    expectProblem(
      await post("/api/auth/password-reset/confirm", { token: mintToken("emailVerification"), password: "long-enough-password" }),
      404,
      "not_found",
    );
    const verificationToken = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    expectProblem(
      await post("/api/auth/password-reset/confirm", { token: verificationToken, password: "long-enough-password" }),
      404,
      "not_found",
    );
    expect((await post("/api/auth/password-reset/confirm", { token, password: "long-enough-password" })).status).toBe(204);
  });

  it("concurrent uses of one link: exactly one sets a password", async () => {
    const owner = await signUp();
    await post("/api/auth/password-reset", { email: owner.user.email });
    const token = await resetLink(owner.user.email);
    const results = await Promise.all(
      ["race-password-1", "race-password-2", "race-password-3", "race-password-4"].map((password) =>
        post("/api/auth/password-reset/confirm", { token, password }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([204, 404, 404, 404]);
  });
});

describe("the reset pages", () => {
  it("/reset-password asks for an address and answers like the API; the emailed page sets the password", async () => {
    const owner = await signUp();
    const form = await call("GET", "/reset-password");
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="email"');
    const asked = await call("POST", "/reset-password", {
      raw: new URLSearchParams({ email: owner.user.email }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(asked.status).toBe(202);
    expect(asked.text).toContain("If an account has this address");

    const token = await resetLink(owner.user.email);
    const page = await call("GET", `/reset-password/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('type="password"');
    const short = await call("POST", `/reset-password/${token}`, {
      raw: new URLSearchParams({ password: "short" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(short.status).toBe(400);
    const set = await call("POST", `/reset-password/${token}`, {
      raw: new URLSearchParams({ password: "set-on-the-page" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(set.status).toBe(200);
    expect(set.text).toContain("Password changed");
    expect((await post("/api/auth/sign-in", { email: owner.user.email, password: "set-on-the-page" })).status).toBe(200);
    const reused = await call("POST", `/reset-password/${token}`, {
      raw: new URLSearchParams({ password: "set-again-on-page" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(reused.status).toBe(404);
    expect(reused.text).toContain("This link does not work");
  });
});
