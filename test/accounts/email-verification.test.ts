import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countUntilLimited, expectProblem, get, post, offDocument } from "../helpers/api";
import { signUp, uniqueEmail } from "../helpers/factories";
import { tokenIn, waitForEmail } from "../helpers/emails";
import { mintToken } from "../../src/lib/tokens";

const verifiedFlag = async (userId: string) =>
  env.DB.prepare("SELECT email_verified, email_verified_at FROM users WHERE id = ?")
    .bind(userId)
    .first<{ email_verified: number; email_verified_at: number | null }>();

describe("email verification", () => {
  it("sign-up creates an unverified user and emails a verification link; confirming verifies the address", async () => {
    const email = uniqueEmail("verify");
    const owner = await signUp({ email, name: "Vera", verified: false });
    expect((await get("/api/auth/session", { token: owner.token })).body.user).toEqual({
      id: owner.user.id,
      email,
      name: "Vera",
      emailVerified: false,
      mfaEnabled: false,
    });
    expect(await verifiedFlag(owner.user.id)).toEqual({ email_verified: 0, email_verified_at: null });

    const [message] = await waitForEmail(email, "verification");
    expect(message!.subject).toBe("Confirm your email address for Tours & Events"); // no user-supplied text in a header
    expect(message!.text).toContain("http://localhost/verify-email/vet_"); // in development, the requesting origin (lib/app-url.ts)
    const token = tokenIn(message!.text, "verification");
    expect(message!.html).toContain(token);
    // Only the hash is stored.
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM email_tokens WHERE token_hash = ?").bind(token).first<{ n: number }>();
    expect(stored!.n).toBe(0);

    const confirmed = await post("/api/auth/email-verification/confirm", { token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ user: { id: owner.user.id, email, name: "Vera", emailVerified: true, mfaEnabled: false } });
    expect((await verifiedFlag(owner.user.id))!.email_verified).toBe(1);
    // The cached user is dropped at once: the session sees the change on its next request.
    expect((await get("/api/auth/session", { token: owner.token })).body.user.emailVerified).toBe(true);
  });

  it("a link works once: a second use is a 404 and changes nothing", async () => {
    const owner = await signUp({ verified: false });
    const token = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    expect((await post("/api/auth/email-verification/confirm", { token })).status).toBe(200);
    expectProblem(await post("/api/auth/email-verification/confirm", { token }), 404, "not_found");
  });

  it("concurrent confirmations of one link: exactly one succeeds", async () => {
    const owner = await signUp({ verified: false });
    const token = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    const results = await Promise.all(Array.from({ length: 8 }, () => post("/api/auth/email-verification/confirm", { token })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 404)).toHaveLength(7);
  });

  it("an expired link is a 410 token_expired and leaves the address unverified", async () => {
    const owner = await signUp({ verified: false });
    const token = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    await env.DB.prepare("UPDATE email_tokens SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1000, owner.user.id)
      .run();
    expectProblem(await post("/api/auth/email-verification/confirm", { token }), 410, "token_expired");
    expect((await verifiedFlag(owner.user.id))!.email_verified).toBe(0);
  });

  it("a token of another kind, a mistyped one or an unknown one is a 404; a missing one is a 400", async () => {
    const owner = await signUp({ verified: false });
    const token = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    expectProblem(
      await post("/api/auth/email-verification/confirm", { token: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") }),
      404,
      "not_found",
    );
    expectProblem(await post("/api/auth/email-verification/confirm", { token: mintToken("emailVerification") }), 404, "not_found");
    expectProblem(await post("/api/auth/email-verification/confirm", { token: mintToken("passwordReset") }), 404, "not_found");
    expectProblem(await post("/api/auth/email-verification/confirm", { token: owner.token }), 404, "not_found"); // a session token
    expectProblem(await post("/api/auth/email-verification/confirm", offDocument({})), 400, "validation_failed");
    expect((await verifiedFlag(owner.user.id))!.email_verified).toBe(0);
  });

  it("resending mails a new link and the previous one stops working; a verified address → 409", async () => {
    const owner = await signUp({ verified: false });
    const first = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    const resent = await post("/api/auth/email-verification", undefined, { token: owner.token });
    expect(resent.status).toBe(202);
    const emails = await waitForEmail(owner.user.email, "verification", 2);
    const second = tokenIn(emails[0]!.text, "verification");
    expect(second).not.toBe(first);
    expectProblem(await post("/api/auth/email-verification/confirm", { token: first }), 404, "not_found");
    expect((await post("/api/auth/email-verification/confirm", { token: second })).status).toBe(200);
    expectProblem(await post("/api/auth/email-verification", undefined, { token: owner.token }), 409, "email_already_verified");
  });

  it("resending is rate limited per user (429 with Retry-After)", async () => {
    const owner = await signUp({ verified: false });
    const { allowedBefore, limited } = await countUntilLimited(3, () =>
      post("/api/auth/email-verification", undefined, { token: owner.token }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(3);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
  });

  it("the page: GET only shows a button (a mail scanner opening the link verifies nothing); POST confirms", async () => {
    const owner = await signUp({ verified: false });
    const token = tokenIn((await waitForEmail(owner.user.email, "verification"))[0]!.text, "verification");
    const page = await call("GET", `/verify-email/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Confirm email address");
    expect(page.text).toContain('<form method="post">');
    expect((await verifiedFlag(owner.user.id))!.email_verified).toBe(0);

    const done = await call("POST", `/verify-email/${token}`, { headers: { origin: "http://localhost" } });
    expect(done.status).toBe(200);
    expect(done.text).toContain(`${owner.user.email} is verified`);
    expect((await verifiedFlag(owner.user.id))!.email_verified).toBe(1);

    const again = await call("POST", `/verify-email/${token}`);
    expect(again.status).toBe(404);
    expect(again.text).toContain("This link does not work");
  });
});
