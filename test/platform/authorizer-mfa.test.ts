import { describe, expect, it } from "vitest";
import { countingEnv, patch } from "../helpers/api";
import { authorize, bearer } from "../helpers/authorizer";
import { addMember, createKey, SEEDED_PASSWORD, signUp } from "../helpers/factories";
import { enableMfa } from "../helpers/mfa";

describe("Authorizer and an organization that requires MFA (API.md §10: the same rules as HTTP)", () => {
  it("a session of a user without MFA is a 403 mfa_required; an API key and a user with MFA are allowed", async () => {
    const owner = await signUp({ organizationName: "Strict Tours" });
    const member = await addMember(owner.organization.id, "member");
    const key = await createKey(owner.token, "Member");
    // Before the policy, the member is allowed.
    expect(await authorize({ authorization: bearer(member.token), permission: "tours.read" })).toMatchObject({
      allowed: true,
      status: 200,
    });

    await enableMfa(owner.token);
    expect((await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token })).status).toBe(200);

    expect(await authorize({ authorization: bearer(member.token), permission: "tours.read" })).toEqual({
      allowed: false,
      status: 403,
      code: "mfa_required",
      principal: { type: "session", id: expect.stringMatching(/^ses_/), userId: member.user.id },
      organization: { id: owner.organization.id, name: "Strict Tours" },
    });
    // Without a permission too: the policy is admission, not a permission check.
    expect(await authorize({ authorization: bearer(member.token) })).toMatchObject({ allowed: false, status: 403, code: "mfa_required" });
    expect(await authorize({ authorization: bearer(key.key), permission: "tours.read" })).toMatchObject({
      allowed: true,
      status: 200,
      principal: { type: "api_key", id: key.id },
    });
    expect(await authorize({ authorization: bearer(owner.token), permission: "tours.read" })).toMatchObject({ allowed: true, status: 200 });

    // Once the member enrolls, the same session is allowed.
    await enableMfa(member.token, SEEDED_PASSWORD);
    expect(await authorize({ authorization: bearer(member.token), permission: "tours.read" })).toMatchObject({
      allowed: true,
      status: 200,
    });
  });

  it("the refusal of a warm session makes no D1 or KV call", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    await enableMfa(owner.token);
    await patch("/api/organizations/me", { requireMfa: true }, { token: owner.token });
    expect(await authorize({ authorization: bearer(member.token) })).toMatchObject({ code: "mfa_required" }); // warms the isolate's cache
    const { env: counted, counts } = countingEnv();
    expect(await authorize({ authorization: bearer(member.token) }, counted)).toMatchObject({
      allowed: false,
      status: 403,
      code: "mfa_required",
    });
    expect(counts).toEqual({ d1: 0, kv: 0 });
  });
});
