import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, get, post } from "../helpers/api";
import { signUp, uniqueEmail } from "../helpers/factories";
import { tokenIn, waitForEmail } from "../helpers/emails";
import { withSession } from "../helpers/sign-in";

/**
 * The hole this closes: someone signs up with an address they do not own, hoping an invitation to
 * it lets them into an organization. An address nobody proved unlocks nothing, and the owner of the
 * mailbox takes the account back with a password reset.
 */
describe("an address squatter cannot join what was sent to the address", () => {
  it("squatter signs up → cannot see or accept → the owner resets the password → the squatter is out at once → the owner accepts", async () => {
    const admin = await signUp({ name: "Ada Admin", organizationName: "Harbor Kayaks" });
    const alice = uniqueEmail("alice");
    const invited = await post("/api/organizations/invitations", { email: alice, role: "Member" }, { token: admin.token });
    expect(invited.status).toBe(201);

    // Someone who does not own the mailbox signs up with it.
    const squatter = await signUp({ email: alice, name: "Not Alice", password: "squatter-password", verified: false });
    expect((await get("/api/auth/session", { token: squatter.token })).body.user.emailVerified).toBe(false);
    expectProblem(await get("/api/invitations", { token: squatter.token }), 403, "email_not_verified");
    expectProblem(await post(`/api/invitations/${invited.body.id}/accept`, {}, { token: squatter.token }), 403, "email_not_verified");
    const notJoined = await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND user_id = ?")
      .bind(admin.organization.id, squatter.user.id)
      .first<{ n: number }>();
    expect(notJoined!.n).toBe(0);
    const stillPending = await env.DB.prepare("SELECT status FROM invitations WHERE id = ?")
      .bind(invited.body.id)
      .first<{ status: string }>();
    expect(stillPending!.status).toBe("pending");

    // The real Alice cannot sign up (the address is taken) but can reset the password: the link
    // goes to her mailbox.
    expectProblem(await post("/api/auth/sign-up", { email: alice, password: "alices-password", name: "Alice" }), 409, "email_taken");
    expect((await post("/api/auth/password-reset", { email: alice })).status).toBe(202);
    const resetToken = tokenIn((await waitForEmail(alice, "reset"))[0]!.text, "reset");
    expect((await post("/api/auth/password-reset/confirm", { token: resetToken, password: "alices-password" })).status).toBe(204);

    // The squatter's session dies at once, and their password no longer works.
    expectProblem(await get("/api/auth/session", { token: squatter.token }), 401, "unauthenticated");
    expectProblem(await post("/api/auth/sign-in", { email: alice, password: "squatter-password" }), 401, "unauthenticated");

    // Alice signs in (her address is verified: the reset link proved it) and accepts.
    const signedIn = withSession(await post("/api/auth/sign-in", { email: alice, password: "alices-password" }));
    expect(signedIn.body.user.emailVerified).toBe(true);
    const mine = await get("/api/invitations", { token: signedIn.body.session.token });
    expect(mine.body.data.map((i: { id: string }) => i.id)).toEqual([invited.body.id]);
    const accepted = await post(`/api/invitations/${invited.body.id}/accept`, {}, { token: signedIn.body.session.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.member.role.name).toBe("Member");
    expect((await get("/api/organizations/me", { token: signedIn.body.session.token })).body.name).toBe("Harbor Kayaks");
  });

  it("the emailed invitation link still works for a signed-in recipient whose address is unverified, and verifies it", async () => {
    const admin = await signUp();
    const bob = await signUp({ name: "Bob", verified: false });
    await post("/api/organizations/invitations", { email: bob.user.email, role: "Member" }, { token: admin.token });
    const token = tokenIn((await waitForEmail(bob.user.email, "invitation"))[0]!.text, "invitation");
    const accepted = await post(`/api/invitations/${token}/accept`, undefined, { token: bob.token });
    expect(accepted.status).toBe(200);
    const row = await env.DB.prepare("SELECT email_verified FROM users WHERE id = ?").bind(bob.user.id).first<{ email_verified: number }>();
    expect(row!.email_verified).toBe(1);
  });
});
