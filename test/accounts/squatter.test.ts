import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import { expectProblem, get, post } from "../helpers/api";
import { testContext } from "../helpers/context";
import { tokenIn, verifyEmail, waitForEmail } from "../helpers/emails";
import { SECRET_PATTERNS, storedEvents } from "../helpers/events";
import { addMember, createKey, markEmailVerified, signUp, uniqueEmail } from "../helpers/factories";
import { invite } from "../helpers/invitations";
import { createEndpoint } from "../helpers/webhooks";
import { withSession } from "../helpers/sign-in";

/**
 * The squatter: someone signs up with an address they do not own (it stays unverified), and tries to
 * arm the organization so that it stays theirs after the real owner takes the account back with a
 * password reset. An unproven account arms nothing; what one armed before that rule, the reset takes back.
 */

const count = async (query: string, ...params: unknown[]) =>
  (await env.DB.prepare(query)
    .bind(...params)
    .first<{ n: number }>())!.n;

/** What the organization holds that can act or reach beyond it. */
const armedIn = async (organizationId: string) => ({
  apiKeys: await count("SELECT count(*) AS n FROM api_keys WHERE organization_id = ?", organizationId),
  webhookEndpoints: await count("SELECT count(*) AS n FROM webhook_endpoints WHERE organization_id = ?", organizationId),
  pendingInvitations: await count("SELECT count(*) AS n FROM invitations WHERE organization_id = ? AND status = 'pending'", organizationId),
});

/** The owner of the mailbox takes the account back: a reset link to the address, a new password. */
async function ownerResets(email: string, password: string) {
  expect((await post("/api/auth/password-reset", { email })).status).toBe(202);
  const token = tokenIn((await waitForEmail(email, "reset"))[0]!.text, "reset");
  const done = await post("/api/auth/password-reset/confirm", { token, password });
  expect(done.status, done.text).toBe(204);
  const signedIn = withSession(await post("/api/auth/sign-in", { email, password }));
  expect(signedIn.status).toBe(200);
  expect(signedIn.body.user.emailVerified).toBe(true);
  return signedIn.body.session.token as string;
}

/** The address marked unverified again straight in D1, as it was for an account before the arming rule. */
async function markUnverified(userId: string) {
  await env.DB.prepare("UPDATE users SET email_verified = 0, email_verified_at = NULL WHERE id = ?").bind(userId).run();
  await authCache.invalidateUser(testContext(), userId);
}

describe("an unproven account arms nothing", () => {
  it("a squatter cannot create an API key, a webhook endpoint or an invitation, nor resend one, and nothing is created", async () => {
    const alice = uniqueEmail("alice");
    const squatter = await signUp({ email: alice, name: "Not Alice", organizationName: "Squat Tours", verified: false });
    const orgId = squatter.organization.id;
    // A verified Admin of the same organization sent an invitation the squatter would like to resend.
    const colleague = await addMember(orgId, "admin", "colleague");
    const pending = await invite(colleague.token, uniqueEmail("invitee"));
    const tokenHashBefore = (await env.DB.prepare("SELECT token_hash FROM invitations WHERE id = ?")
      .bind(pending.id)
      .first<{ token_hash: string }>())!.token_hash;

    const attempts = [
      await post("/api/organizations/api-keys", { name: "Backdoor", role: "Admin" }, { token: squatter.token }),
      await post(
        "/api/organizations/webhooks",
        { url: "https://hooks.example.com/squatter", eventTypes: ["*"] },
        { token: squatter.token },
      ),
      await post("/api/organizations/invitations", { email: uniqueEmail("accomplice"), role: "Admin" }, { token: squatter.token }),
      await post(`/api/organizations/invitations/${pending.id}`, undefined, { token: squatter.token }),
    ];
    for (const res of attempts) {
      const problem = expectProblem(res, 403, "email_not_verified");
      expect(problem.detail).toContain("POST /api/auth/email-verification");
    }

    expect(await armedIn(orgId)).toEqual({ apiKeys: 0, webhookEndpoints: 0, pendingInvitations: 1 });
    const after = await env.DB.prepare("SELECT token_hash, status FROM invitations WHERE id = ?")
      .bind(pending.id)
      .first<{ token_hash: string; status: string }>();
    expect(after).toEqual({ token_hash: tokenHashBefore, status: "pending" }); // the link was not re-minted
    expect((await storedEvents(orgId)).filter((e) => e.actor.id === squatter.user.id).map((e) => e.type)).toEqual(["member.added"]);

    // It may still read and edit its organization.
    expect((await get("/api/organizations/me", { token: squatter.token })).status).toBe(200);
    expect(
      (await post("/api/organizations/roles", { name: "Guides", permissions: ["users.read"] }, { token: squatter.token })).status,
    ).toBe(201);
  });

  it("once the address is verified through its emailed link, the same account arms as any other", async () => {
    const owner = await signUp({ verified: false });
    expectProblem(
      await post("/api/organizations/api-keys", { name: "Too early", role: "Member" }, { token: owner.token }),
      403,
      "email_not_verified",
    );
    await verifyEmail(owner.user.email);
    const created = await post("/api/organizations/api-keys", { name: "Now", role: "Member" }, { token: owner.token });
    expect(created.status).toBe(201);
    expect(await count("SELECT count(*) AS n FROM api_keys WHERE id = ? AND created_by_user_id = ?", created.body.id, owner.user.id)).toBe(
      1,
    );
  });

  it("an API key is unaffected: it belongs to the organization, and only a verified user made it", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const minted = await post("/api/organizations/api-keys", { name: "Minted by a key", role: "Member" }, { token: key.key });
    expect(minted.status).toBe(201);
    expect(minted.body.key).toMatch(/^ork_/);
    expect(await count("SELECT count(*) AS n FROM api_keys WHERE id = ? AND created_by_user_id IS NULL", minted.body.id)).toBe(1);
  });
});

describe("the owner's password reset takes back what an unverified account armed", () => {
  it("a legacy squatter's keys, endpoints and invitations (and those its key made) are revoked in the reset, with system events; nothing survives", async () => {
    const alice = uniqueEmail("alice");
    const squatter = await signUp({
      email: alice,
      name: "Not Alice",
      organizationName: "Squat Tours",
      password: "squatter-password",
      verified: false,
    });
    const orgId = squatter.organization.id;

    // Before the arming rule, an unverified account could do all this: reproduce it by letting the
    // account arm, then putting its address back to unverified as it was.
    await markEmailVerified(squatter.user.id);
    const key = await createKey(squatter.token, "Admin");
    const endpoint = await createEndpoint(squatter.token, { url: "https://hooks.example.com/squatter", eventTypes: ["*"] });
    const invitation = await invite(squatter.token, uniqueEmail("accomplice"), "Admin");
    // …and through its key, which records no user as creator.
    const keyOfKey = await createKey(key.key, "Admin");
    const endpointOfKey = await createEndpoint(key.key, { url: "https://hooks.example.com/squatter-key" });
    const invitationOfKey = await invite(key.key, uniqueEmail("accomplice"), "Admin");
    await markUnverified(squatter.user.id);
    // The keys work, and are warm in this isolate's cache: the reset must not wait for it.
    expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    expect((await get("/api/organizations/me", { token: keyOfKey.key })).status).toBe(200);
    expect(await armedIn(orgId)).toEqual({ apiKeys: 2, webhookEndpoints: 2, pendingInvitations: 2 });

    const ownerToken = await ownerResets(alice, "alices-own-password");

    // The keys answer 401 at once; the squatter's session too.
    expectProblem(await get("/api/organizations/me", { token: key.key }), 401, "unauthenticated");
    expectProblem(await get("/api/organizations/me", { token: keyOfKey.key }), 401, "unauthenticated");
    expectProblem(await get("/api/auth/session", { token: squatter.token }), 401, "unauthenticated");
    // The endpoints are gone, the invitations revoked: nothing of the squatter's survives.
    expect(await armedIn(orgId)).toEqual({ apiKeys: 0, webhookEndpoints: 0, pendingInvitations: 0 });
    for (const id of [invitation.id, invitationOfKey.id]) {
      expect((await env.DB.prepare("SELECT status FROM invitations WHERE id = ?").bind(id).first<{ status: string }>())!.status).toBe(
        "revoked",
      );
    }
    const listed = await get("/api/organizations/invitations?status=pending", { token: ownerToken });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);

    // Each with its event, recorded by the platform, and no secret in any of them.
    const taken = (await storedEvents(orgId)).filter((e) => e.actor.type === "system");
    expect(taken.map((e) => [e.type, e.data.object.id]).sort()).toEqual(
      [
        ["api_key.revoked", key.id],
        ["api_key.revoked", keyOfKey.id],
        ["invitation.revoked", invitation.id],
        ["invitation.revoked", invitationOfKey.id],
        ["webhook_endpoint.deleted", endpoint.id],
        ["webhook_endpoint.deleted", endpointOfKey.id],
      ].sort(),
    );
    for (const event of taken) {
      expect(event.actor).toEqual({ type: "system", id: null, name: "system" });
      for (const pattern of SECRET_PATTERNS) expect(event.raw).not.toMatch(pattern);
    }
    expect(taken.find((e) => e.type === "invitation.revoked")!.data).toMatchObject({
      object: { status: "revoked" },
      previous: { status: "pending" },
    });

    // The owner now holds a verified account and arms as anyone would.
    expect((await post("/api/organizations/api-keys", { name: "Alice's key", role: "Member" }, { token: ownerToken })).status).toBe(201);
  });

  it("a reset of an account that was already verified takes nothing back", async () => {
    const owner = await signUp({ password: "verified-password" });
    const key = await createKey(owner.token, "Admin");
    const endpoint = await createEndpoint(owner.token);
    const invitation = await invite(owner.token);

    await ownerResets(owner.user.email, "a-new-verified-password");

    expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    expect(await armedIn(owner.organization.id)).toEqual({ apiKeys: 1, webhookEndpoints: 1, pendingInvitations: 1 });
    expect(await count("SELECT count(*) AS n FROM webhook_endpoints WHERE id = ?", endpoint.id)).toBe(1);
    expect(
      (await env.DB.prepare("SELECT status FROM invitations WHERE id = ?").bind(invitation.id).first<{ status: string }>())!.status,
    ).toBe("pending");
    expect((await storedEvents(owner.organization.id)).filter((e) => e.actor.type === "system")).toEqual([]);
  });

  it("what another, verified member of the organization armed stays, even when the reset takes back the squatter's", async () => {
    const alice = uniqueEmail("alice");
    const squatter = await signUp({ email: alice, verified: false });
    const colleague = await addMember(squatter.organization.id, "admin", "colleague");
    const colleagueKey = await createKey(colleague.token, "Member");
    await markEmailVerified(squatter.user.id);
    const squatterKey = await createKey(squatter.token, "Member");
    await markUnverified(squatter.user.id);

    await ownerResets(alice, "alices-own-password");

    expectProblem(await get("/api/organizations/me", { token: squatterKey.key }), 401, "unauthenticated");
    expect((await get("/api/organizations/me", { token: colleagueKey.key })).status).toBe(200);
    expect(await count("SELECT count(*) AS n FROM api_keys WHERE organization_id = ?", squatter.organization.id)).toBe(1);
  });
});
