import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateHOTP } from "@oslojs/otp";
import { del, expectProblem, get, post } from "../helpers/api";
import { addMember, SEEDED_PASSWORD, signUp } from "../helpers/factories";
import { currentCode, enableMfa, forgetLastStep } from "../helpers/mfa";
import { matchingStep, stepAt, totpCode } from "../../src/services/mfa/totp";
import { decodeBase32IgnorePadding, encodeBase32NoPadding } from "@oslojs/encoding";
import { withChallenge, withSession } from "../helpers/sign-in";

const userRow = (id: string) =>
  env.DB.prepare("SELECT mfa_enabled, totp_secret, totp_last_step, recovery_codes FROM users WHERE id = ?")
    .bind(id)
    .first<{ mfa_enabled: number; totp_secret: string | null; totp_last_step: number | null; recovery_codes: string | null }>();

describe("TOTP as RFC 6238 specifies it (SHA-1 test vectors, Appendix B)", () => {
  const secret = encodeBase32NoPadding(new TextEncoder().encode("12345678901234567890"));
  const vectors: [seconds: number, code: string][] = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];
  for (const [seconds, code] of vectors) {
    it(`T=${seconds}: ${code} at 8 digits, ${code.slice(2)} at the 6 digits used here`, () => {
      expect(totpCode(secret, stepAt(seconds * 1000), 8)).toBe(code);
      expect(totpCode(secret, stepAt(seconds * 1000))).toBe(code.slice(2));
      // The library underneath, straight.
      expect(generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(seconds / 30)), 8)).toBe(code);
    });
  }

  it("accepts the current step and one either side, nothing further", () => {
    const now = 59_000;
    expect(matchingStep(secret, "287082", now)).toBe(1);
    expect(matchingStep(secret, totpCode(secret, 2), now)).toBe(2);
    expect(matchingStep(secret, totpCode(secret, 0), now)).toBe(0);
    expect(matchingStep(secret, totpCode(secret, 3), now)).toBeNull();
    expect(matchingStep(secret, "000000", now)).toBeNull();
  });
});

describe("enrolling", () => {
  it("needs the password, returns a base32 secret and its otpauth URI, and stores the secret sealed", async () => {
    const owner = await signUp();
    expectProblem(
      await post("/api/auth/mfa/totp", { password: "wrong-password" }, { token: owner.token }),
      403,
      "current_password_incorrect",
    );
    const res = await post("/api/auth/mfa/totp", { password: "a-strong-password" }, { token: owner.token });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(res.body.otpauthUri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(res.body.secret);
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ algorithm: "SHA1", digits: "6", period: "30" });
    const row = await userRow(owner.user.id);
    expect(row!.mfa_enabled).toBe(0);
    expect(row!.totp_secret).toMatch(/^v2\./);
    expect(row!.totp_secret).not.toContain(res.body.secret);
    // Not on yet: sign-in still gives a session straight away.
    const signIn = withSession(await post("/api/auth/sign-in", { email: owner.user.email, password: "a-strong-password" }));
    expect(signIn.body.session.token).toMatch(/^sst_/);
  });

  it("a wrong code does not confirm (400 mfa_code_invalid); the right one returns 10 recovery codes, stored hashed", async () => {
    const owner = await signUp();
    const { body } = await post("/api/auth/mfa/totp", { password: "a-strong-password" }, { token: owner.token });
    const wrong = currentCode(body.secret) === "123456" ? "654321" : "123456";
    expectProblem(await post("/api/auth/mfa/totp/confirm", { code: wrong }, { token: owner.token }), 400, "mfa_code_invalid");
    expect((await userRow(owner.user.id))!.mfa_enabled).toBe(0);

    const res = await post("/api/auth/mfa/totp/confirm", { code: currentCode(body.secret) }, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.recoveryCodes).toHaveLength(10);
    expect(new Set(res.body.recoveryCodes).size).toBe(10);
    for (const code of res.body.recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const row = await userRow(owner.user.id);
    expect(row!.mfa_enabled).toBe(1);
    const stored = JSON.parse(row!.recovery_codes!) as string[];
    expect(stored).toHaveLength(10);
    for (const code of res.body.recoveryCodes) expect(row!.recovery_codes).not.toContain(code.replaceAll("-", ""));
    const me = await get("/api/auth/session", { token: owner.token });
    expect(me.body.user.mfaEnabled).toBe(true);
    expect(me.body.mfa).toBe(false); // this session was made with the password alone
  });

  it("with MFA on, enrolling again is a 409 mfa_already_enabled and leaves the secret alone", async () => {
    const owner = await signUp();
    await enableMfa(owner.token);
    const before = await userRow(owner.user.id);
    expectProblem(await post("/api/auth/mfa/totp", { password: "a-strong-password" }, { token: owner.token }), 409, "mfa_already_enabled");
    expect((await userRow(owner.user.id))!.totp_secret).toBe(before!.totp_secret);
  });
});

describe("signing in with MFA", () => {
  async function mfaUser() {
    const owner = await signUp();
    const mfa = await enableMfa(owner.token);
    await forgetLastStep(owner.user.id);
    return { owner, ...mfa };
  }
  const startSignIn = async (email: string) => {
    return withChallenge(await post("/api/auth/sign-in", { email, password: "a-strong-password" }));
  };

  it("the password step gives an mfaToken and no session; the code step gives the session, marked mfa", async () => {
    const { owner, secret } = await mfaUser();
    const first = await startSignIn(owner.user.email);
    expect(first.body).toEqual({
      mfaRequired: true,
      mfaToken: expect.stringMatching(/^mfa_[0-9A-Za-z]{49}$/),
      expiresAt: expect.any(String),
    });
    expect(first.headers.get("set-cookie")).toBeNull();
    const minutes = (Date.parse(first.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4.9);
    expect(minutes).toBeLessThanOrEqual(5);
    const stored = await env.DB.prepare("SELECT token_hash FROM mfa_challenges WHERE user_id = ?")
      .bind(owner.user.id)
      .all<{ token_hash: string }>();
    expect(stored.results.map((r) => r.token_hash)).not.toContain(first.body.mfaToken);

    const second = await post("/api/auth/sign-in/mfa", { mfaToken: first.body.mfaToken, code: currentCode(secret) });
    expect(second.status).toBe(200);
    expect(second.body.user).toMatchObject({ id: owner.user.id, mfaEnabled: true });
    expect(second.headers.get("set-cookie")).toMatch(/session=sst_/);
    const session = await get("/api/auth/session", { token: second.body.session.token });
    expect(session.body).toMatchObject({ mfa: true, user: { id: owner.user.id, mfaEnabled: true } });
    // Single use: the token is gone.
    expectProblem(
      await post("/api/auth/sign-in/mfa", { mfaToken: first.body.mfaToken, code: currentCode(secret, 1) }),
      401,
      "unauthenticated",
    );
  });

  it("a code already used (this step) is refused, even with a fresh sign-in", async () => {
    const { owner, secret } = await mfaUser();
    const code = currentCode(secret);
    const ok = await post("/api/auth/sign-in/mfa", { mfaToken: (await startSignIn(owner.user.email)).body.mfaToken, code });
    expect(ok.status).toBe(200);
    const replay = await post("/api/auth/sign-in/mfa", { mfaToken: (await startSignIn(owner.user.email)).body.mfaToken, code });
    expectProblem(replay, 401, "mfa_code_invalid");
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ? AND mfa = 1")
      .bind(owner.user.id)
      .first<{ n: number }>();
    expect(sessions!.n).toBe(1);
  });

  it("a wrong code is a 401 mfa_code_invalid; the fifth kills the token, and the right code then fails", async () => {
    const { owner, secret } = await mfaUser();
    const { mfaToken } = (await startSignIn(owner.user.email)).body;
    const wrong = currentCode(secret) === "000000" ? "111111" : "000000";
    for (let i = 1; i <= 5; i++) {
      const res = expectProblem(await post("/api/auth/sign-in/mfa", { mfaToken, code: wrong }), 401, "mfa_code_invalid");
      expect(res.detail).toContain(i < 5 ? `${5 - i} attempt` : "sign in with the password again");
    }
    expectProblem(await post("/api/auth/sign-in/mfa", { mfaToken, code: currentCode(secret) }), 401, "unauthenticated");
    const left = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ? AND mfa = 1")
      .bind(owner.user.id)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
  });

  it("a recovery code signs in once; used twice it is refused", async () => {
    const { owner, recoveryCodes } = await mfaUser();
    const code = recoveryCodes[3]!;
    const first = await post("/api/auth/sign-in/mfa", {
      mfaToken: (await startSignIn(owner.user.email)).body.mfaToken,
      recoveryCode: code.toUpperCase(),
    });
    expect(first.status).toBe(200);
    expect((await get("/api/auth/session", { token: first.body.session.token })).body.mfa).toBe(true);
    expect(JSON.parse((await userRow(owner.user.id))!.recovery_codes!)).toHaveLength(9);
    const again = await post("/api/auth/sign-in/mfa", {
      mfaToken: (await startSignIn(owner.user.email)).body.mfaToken,
      recoveryCode: code,
    });
    expectProblem(again, 401, "mfa_code_invalid");
    // The others still work.
    const other = await post("/api/auth/sign-in/mfa", {
      mfaToken: (await startSignIn(owner.user.email)).body.mfaToken,
      recoveryCode: recoveryCodes[4]!,
    });
    expect(other.status).toBe(200);
  });

  it("exactly one of code and recoveryCode: both or neither is a 400", async () => {
    const { owner, secret, recoveryCodes } = await mfaUser();
    const { mfaToken } = (await startSignIn(owner.user.email)).body;
    expectProblem(await post("/api/auth/sign-in/mfa", { mfaToken }), 400, "validation_failed");
    expectProblem(
      await post("/api/auth/sign-in/mfa", { mfaToken, code: currentCode(secret), recoveryCode: recoveryCodes[0] }),
      400,
      "validation_failed",
    );
    expectProblem(await post("/api/auth/sign-in/mfa", { mfaToken: "mfa_not-a-token", code: "123456" }), 401, "unauthenticated");
  });

  it("codes are rate limited per user", async () => {
    const { owner } = await mfaUser();
    let limited = false;
    for (let i = 0; i < 25 && !limited; i++) {
      const { mfaToken } = (await startSignIn(owner.user.email)).body;
      const res = await post("/api/auth/sign-in/mfa", { mfaToken, code: "000000" });
      if (res.status === 429) limited = true;
      else if (res.status === 400 || res.status === 200) throw new Error(res.text);
    }
    expect(limited).toBe(true);
  });
});

describe("disabling", () => {
  it("needs the password and a code; then sign-in is one step again and the recovery codes are gone", async () => {
    const owner = await signUp();
    const { secret, recoveryCodes } = await enableMfa(owner.token);
    await forgetLastStep(owner.user.id);
    expectProblem(
      await del("/api/auth/mfa/totp", { token: owner.token, body: { password: "nope-nope", code: currentCode(secret) } }),
      403,
      "current_password_incorrect",
    );
    expectProblem(
      await del("/api/auth/mfa/totp", { token: owner.token, body: { password: "a-strong-password", code: "zzzz-zzzz-zzzz-zzzz" } }),
      403,
      "mfa_code_invalid",
    );
    expect((await userRow(owner.user.id))!.mfa_enabled).toBe(1);
    const res = await del("/api/auth/mfa/totp", { token: owner.token, body: { password: "a-strong-password", code: recoveryCodes[0]! } });
    expect(res.status).toBe(204);
    expect(await userRow(owner.user.id)).toEqual({ mfa_enabled: 0, totp_secret: null, totp_last_step: null, recovery_codes: null });
    const signIn = withSession(await post("/api/auth/sign-in", { email: owner.user.email, password: "a-strong-password" }));
    expect(signIn.body.session.token).toMatch(/^sst_/);
    expectProblem(
      await del("/api/auth/mfa/totp", { token: owner.token, body: { password: "a-strong-password", code: recoveryCodes[1]! } }),
      409,
      "mfa_not_enabled",
    );
  });

  it("a member seeded with a password can enroll too", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id);
    await enableMfa(member.token, SEEDED_PASSWORD);
    expect((await userRow(member.user.id))!.mfa_enabled).toBe(1);
  });
});

describe("upkeep", () => {
  it("the scheduled upkeep deletes sign-in challenges past their 5 minutes and keeps live ones", async () => {
    const { createExecutionContext, createScheduledController, waitOnExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../src/index")).default;
    const owner = await signUp();
    await enableMfa(owner.token);
    await post("/api/auth/sign-in", { email: owner.user.email, password: "a-strong-password" });
    await env.DB.prepare("INSERT INTO mfa_challenges (token_hash, user_id, expires_at, failed_attempts, created_at) VALUES (?, ?, ?, 0, ?)")
      .bind("expired-challenge-of-the-test", owner.user.id, Date.now() - 1, Date.now() - 300_001)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/15 * * * *" }), env as never, ctx);
    await waitOnExecutionContext(ctx);
    const left = await env.DB.prepare("SELECT token_hash FROM mfa_challenges WHERE user_id = ?")
      .bind(owner.user.id)
      .all<{ token_hash: string }>();
    expect(left.results).toHaveLength(1);
    expect(left.results[0]!.token_hash).not.toBe("expired-challenge-of-the-test");
  });
});
