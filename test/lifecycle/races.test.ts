import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { del, post } from "../helpers/api";
import { addMember, signUp } from "../helpers/factories";
import { currentCode, enableMfa, forgetLastStep } from "../helpers/mfa";
import { withChallenge } from "../helpers/sign-in";

/** Guards in the writing statement: concurrent requests cannot both pass a check made before it. */
describe("races", () => {
  it("the same code sent twice at once, on two sign-ins, makes one session", async () => {
    const owner = await signUp();
    const { secret } = await enableMfa(owner.token);
    await forgetLastStep(owner.user.id);
    const tokens = await Promise.all(
      [1, 2].map(
        async () =>
          withChallenge(await post("/api/auth/sign-in", { email: owner.user.email, password: "a-strong-password" })).body.mfaToken,
      ),
    );
    const code = currentCode(secret);
    const results = await Promise.all(tokens.map((mfaToken) => post("/api/auth/sign-in/mfa", { mfaToken, code })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const made = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ? AND mfa = 1")
      .bind(owner.user.id)
      .first<{ n: number }>();
    expect(made!.n).toBe(1);
  });

  it("one recovery code sent twice at once signs in once", async () => {
    const owner = await signUp();
    const { recoveryCodes } = await enableMfa(owner.token);
    const tokens = await Promise.all(
      [1, 2].map(
        async () =>
          withChallenge(await post("/api/auth/sign-in", { email: owner.user.email, password: "a-strong-password" })).body.mfaToken,
      ),
    );
    const results = await Promise.all(
      tokens.map((mfaToken) => post("/api/auth/sign-in/mfa", { mfaToken, recoveryCode: recoveryCodes[0] })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("the two Admins of an organization leaving at once: one leaves, the other is the last Admin (409)", async () => {
    const owner = await signUp();
    const other = await addMember(owner.organization.id, "admin");
    await addMember(owner.organization.id, "member");
    const results = await Promise.all(
      [owner.token, other.token].map((token) => del(`/api/users/me/organizations/${owner.organization.id}`, { token })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    const admins = await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND role_key = 'admin'")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(admins!.n).toBe(1);
  });
});
