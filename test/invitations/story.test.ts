import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { del, expectProblem, get, post } from "../helpers/api";
import { signUp } from "../helpers/factories";
import { tokenIn, verifyEmail, waitForEmail } from "../helpers/emails";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

describe("the invitation story", () => {
  it("Admin invites Pat@Example.com → email in the outbox → preview → Pat signs up through accept → Member of the inviter's org", async () => {
    const admin = await signUp({ name: "Ada Admin", organizationName: "Harbor Kayaks" });
    const pat = `Pat.${Date.now()}@Example.com`;
    const created = await post("/api/organizations/invitations", { email: pat, role: "Member" }, { token: admin.token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^inv_/),
      email: pat.toLowerCase(),
      role: { id: "role_system_member", name: "Member", source: "system" },
      status: "pending",
      invitedBy: { type: "user", id: admin.user.id, name: "Ada Admin" },
      acceptedAt: null,
      deliveryStatus: "queued",
    });
    const days = (Date.parse(created.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);

    const [email] = await waitForEmail(pat.toLowerCase());
    expect(email!.to).toBe(pat.toLowerCase());
    expect(email!.subject).toBe("You're invited to join an organization on Tours & Events");
    // In development the link follows the origin the invitation was created through (the test
    // helper's http://localhost), not APP_URL: see test/invitations/app-url.test.ts.
    expect(email!.text).toContain("http://localhost/invitations/ivt_");
    expect(email!.html).toContain("Harbor Kayaks");
    const token = tokenIn(email!.text);
    expect(email!.html).toContain(token);
    await vi.waitFor(async () => {
      const list = await get("/api/organizations/invitations", { token: admin.token });
      expect(list.body.data[0]?.deliveryStatus).toBe("sent");
    });

    const preview = await get(`/api/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      organization: { name: "Harbor Kayaks", logo: null },
      role: { id: "role_system_member", name: "Member", source: "system" },
      email: pat.toLowerCase(),
      invitedBy: { type: "user", id: admin.user.id, name: "Ada Admin" },
      expiresAt: created.body.expiresAt,
      status: "pending",
      hasAccount: false,
    });

    const accepted = await post(`/api/invitations/${token}/accept`, { name: "Pat", password: "pats-password" });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      member: { id: expect.stringMatching(/^mem_/), user: { email: pat.toLowerCase(), name: "Pat" }, role: { name: "Member" } },
      organization: { id: admin.organization.id, name: "Harbor Kayaks" },
      user: { email: pat.toLowerCase(), name: "Pat" },
      session: { token: expect.stringMatching(/^sst_/) },
    });
    const patSession = accepted.body.session!.token;
    const session = await get("/api/auth/session", { token: patSession });
    expect(session.body).toMatchObject({
      user: { email: pat.toLowerCase(), emailVerified: true },
      organization: { id: admin.organization.id },
      role: { name: "Member" },
    });
    expect((await get("/api/organizations/me", { token: patSession })).body.id).toBe(admin.organization.id);

    const invitations = await get("/api/organizations/invitations", { token: admin.token });
    expect(invitations.body.data[0]).toMatchObject({ id: created.body.id, status: "accepted", acceptedAt: expect.any(String) });

    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "Pat again", password: "pats-password" }), 404, "not_found");
    expect((await get(`/api/invitations/${token}`)).body.status).toBe("accepted");
    const signIn = await post("/api/auth/sign-in", { email: pat, password: "pats-password" });
    expect(signIn.status).toBe(200);
  });

  it("an existing user accepts with their session and the org becomes active", async () => {
    const admin = await signUp({ organizationName: "Canyon Rides" });
    const sam = await signUp({ name: "Sam", organizationName: "Sam's Own", verified: false });
    const created = await post(
      "/api/organizations/invitations",
      { email: sam.user.email.toUpperCase(), role: "member" },
      { token: admin.token },
    );
    const [email] = await waitForEmail(sam.user.email);
    const token = tokenIn(email!.text);
    expect((await get(`/api/invitations/${token}`)).body.hasAccount).toBe(true);

    // No session and no account fields: told to sign in.
    expectProblem(await post(`/api/invitations/${token}/accept`), 401, "unauthenticated");
    // A new-account attempt for an address that has an account is refused.
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "Sam", password: "whatever-long" }), 409, "email_taken");

    // Sam's address is not verified yet: the list of invitations addressed to it stays closed…
    expectProblem(await get("/api/invitations", { token: sam.token }), 403, "email_not_verified");
    expectProblem(await post(`/api/invitations/${created.body.id}/accept`, undefined, { token: sam.token }), 403, "email_not_verified");

    // …but the emailed link proves the mailbox: accepting with it works and verifies the address.
    const accepted = await post(`/api/invitations/${token}/accept`, undefined, { token: sam.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.session).toBeUndefined();
    expect(accepted.body.member.user).toEqual({ id: sam.user.id, email: sam.user.email, name: "Sam", emailVerified: true });
    expect((await get("/api/auth/session", { token: sam.token })).body.user.emailVerified).toBe(true);
    expect((await get("/api/organizations/me", { token: sam.token })).body.name).toBe("Canyon Rides");
    expect((await get("/api/invitations", { token: sam.token })).body.data).toEqual([]);
    const orgs = await get("/api/users/me/organizations", { token: sam.token });
    expect(orgs.body.data.map((m) => m.organization.name)).toEqual(["Sam's Own", "Canyon Rides"]);
  });

  it("a signed-in recipient with a verified address can accept by invitation id", async () => {
    const admin = await signUp();
    const sam = await signUp({ verified: false });
    const created = await post("/api/organizations/invitations", { email: sam.user.email, role: "Member" }, { token: admin.token });
    await verifyEmail(sam.user.email);
    const mine = await get("/api/invitations", { token: sam.token });
    expect(mine.body.data).toEqual([expect.objectContaining({ id: created.body.id, role: expect.objectContaining({ name: "Member" }) })]);
    const accepted = await post(`/api/invitations/${created.body.id}/accept`, {}, { token: sam.token });
    expect(accepted.status).toBe(200);
    const other = await signUp({ verified: false });
    expectProblem(await post(`/api/invitations/${created.body.id}/accept`, {}, { token: other.token }), 403, "email_not_verified");
    await verifyEmail(other.user.email);
    expectProblem(await post(`/api/invitations/${created.body.id}/accept`, {}, { token: other.token }), 404, "not_found");
  });

  it("revoke → the link is a 404 and the accept fails; declining revokes too", async () => {
    const admin = await signUp();
    const to = `rev.${Date.now()}@example.com`;
    const created = await post("/api/organizations/invitations", { email: to, role: "Member" }, { token: admin.token });
    const token = tokenIn((await waitForEmail(to))[0]!.text);
    expect((await del(`/api/organizations/invitations/${created.body.id}`, { token: admin.token })).status).toBe(204);
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "R", password: "long-enough" }), 404, "not_found");
    expect((await get(`/api/invitations/${token}`)).body.status).toBe("revoked");
    expectProblem(await del(`/api/organizations/invitations/${created.body.id}`, { token: admin.token }), 409, "conflict");

    const to2 = `dec.${Date.now()}@example.com`;
    const second = await post("/api/organizations/invitations", { email: to2, role: "Member" }, { token: admin.token });
    const token2 = tokenIn((await waitForEmail(to2))[0]!.text);
    expect((await post(`/api/invitations/${token2}/decline`)).status).toBe(204);
    const row = await env.DB.prepare("SELECT status FROM invitations WHERE id = ?").bind(second.body.id).first();
    expect(row).toEqual({ status: "revoked" });
    expectProblem(await post(`/api/invitations/${token2}/decline`), 404, "not_found");
  });
});
