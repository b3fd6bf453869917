import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countingEnv, del, expectProblem, get, patch, post } from "../helpers/api";
import { addMember, signUp } from "../helpers/factories";
import { storedEvents } from "../helpers/events";
import { currentCode, enableMfa, forgetLastStep } from "../helpers/mfa";
import { setLogSink } from "../../src/lib/log";
import { withChallenge } from "../helpers/sign-in";

describe("no TOTP secret, code, recovery code or mfaToken in an event, a log line or a stored idempotent response", () => {
  it("through enrolling, confirming, both sign-in steps, a wrong code, a recovery code, the policy and disabling", async () => {
    const lines: string[] = [];
    setLogSink((_level, line) => void lines.push(line));
    const owner = await signUp();
    const orgId = owner.organization.id;
    const secrets: string[] = [];
    const idem = (key: string) => ({ token: owner.token, headers: { "idempotency-key": key } });

    const enrolled = await post("/api/auth/mfa/totp", { password: "a-strong-password" }, idem("enroll-1"));
    expect(enrolled.status).toBe(201);
    secrets.push(enrolled.body.secret, new URL(enrolled.body.otpauthUri).searchParams.get("secret")!);
    const confirmCode = currentCode(enrolled.body.secret);
    const confirmed = await post("/api/auth/mfa/totp/confirm", { code: confirmCode }, idem("confirm-1"));
    expect(confirmed.status).toBe(200);
    secrets.push(...confirmed.body.recoveryCodes, ...confirmed.body.recoveryCodes.map((c: string) => c.replaceAll("-", "")));
    await forgetLastStep(owner.user.id);

    const first = withChallenge(await post("/api/auth/sign-in", { email: owner.user.email, password: "a-strong-password" }));
    secrets.push(first.body.mfaToken);
    expectProblem(
      await post("/api/auth/sign-in/mfa", { mfaToken: first.body.mfaToken, code: confirmCode === "000000" ? "111111" : "000000" }),
      401,
      "mfa_code_invalid",
    );
    const signedIn = await post("/api/auth/sign-in/mfa", { mfaToken: first.body.mfaToken, recoveryCode: confirmed.body.recoveryCodes[0] });
    expect(signedIn.status).toBe(200);
    await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token });
    const member = await addMember(orgId, "member");
    await get("/api/organizations/members", { token: member.token }); // 403 mfa_required
    expect(
      (
        await del("/api/auth/mfa/totp", {
          token: owner.token,
          body: { password: "a-strong-password", code: confirmed.body.recoveryCodes[1]! },
        })
      ).status,
    ).toBe(204);

    const events = await storedEvents(orgId);
    expect(events.length).toBeGreaterThan(0);
    // Enrolling is a creating POST: its answer (the secret) is kept for replays, encrypted under the key.
    const { results: replays } = await env.DB.prepare("SELECT * FROM idempotency_records WHERE principal_id = ?").bind(owner.user.id).all();
    expect(replays.length).toBe(1);
    const replay = await post("/api/auth/mfa/totp", { password: "a-strong-password" }, idem("enroll-1"));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const haystacks = [...events.map((e) => e.raw), ...lines, JSON.stringify(replays)];
    for (const secret of secrets) {
      for (const text of haystacks) expect(text, `a secret (${secret.slice(0, 4)}…) leaked`).not.toContain(secret);
    }
    expect(lines.join("\n")).not.toMatch(/totp_secret|recovery_codes|v2\.[A-Za-z0-9_-]{8}\./);
    setLogSink(null);
  });
});

describe("requireMfa on the hot path", () => {
  it("a warm session request in an organization that requires MFA makes no D1 or KV call, allowed or refused", async () => {
    const owner = await signUp();
    await enableMfa(owner.token);
    expect((await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token })).status).toBe(200);
    const member = await addMember(owner.organization.id, "member");

    await get("/api/organizations/me", { token: owner.token });
    const allowed = countingEnv();
    expect((await call("GET", "/api/organizations/me", { token: owner.token, env: allowed.env })).status).toBe(200);
    expect(allowed.counts).toEqual({ d1: 0, kv: 0 });

    await get("/api/organizations/me", { token: member.token });
    const refused = countingEnv();
    expectProblem(await call("GET", "/api/organizations/me", { token: member.token, env: refused.env }), 403, "mfa_required");
    expect(refused.counts).toEqual({ d1: 0, kv: 0 });
  });

  it("turning the policy off lets the member back in on the next request", async () => {
    const owner = await signUp();
    await enableMfa(owner.token);
    await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token });
    const member = await addMember(owner.organization.id, "member");
    expectProblem(await get("/api/organizations/me", { token: member.token }), 403, "mfa_required");
    expect((await patch("/api/organizations/me", { requireMfa: false }, { token: owner.token })).status).toBe(200);
    expect((await get("/api/organizations/me", { token: member.token })).body.requireMfa).toBe(false);
  });
});
