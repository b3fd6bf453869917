import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, get, post } from "../helpers/api";
import { addMember, createKey, seedOrganization } from "../helpers/factories";
import { tokenIn, waitForEmail } from "../helpers/emails";
import { mintToken } from "../../src/lib/tokens";

/** The session cookie; unsafe requests also send our own Origin so the CSRF guard lets them reach auth. */
const asCookie = (value: string) => ({ headers: { cookie: `session=${value}`, origin: "http://localhost" } });

describe("the session cookie carries a session and nothing else", () => {
  it("refuses an API key sent as the cookie on an API-key-or-session route with 401, though it works as a bearer", async () => {
    const owner = await seedOrganization("Cookie Tours");
    const { key } = await createKey(owner.token, "Admin");
    expect((await get("/api/organizations/me", { token: key })).status).toBe(200);

    const res = await get("/api/organizations/me", asCookie(key));
    expectProblem(res, 401, "unauthenticated");
    expect(res.body.name).toBeUndefined();
  });

  it("refuses an API key in the cookie on a session-only route with 401 (not the 403 of a valid key)", async () => {
    const owner = await seedOrganization();
    const { key } = await createKey(owner.token, "Admin");
    expectProblem(await get("/api/auth/session", { token: key }), 403, "forbidden");
    expectProblem(await get("/api/auth/session", asCookie(key)), 401, "unauthenticated");
  });

  it("accepts a session token in the cookie", async () => {
    const owner = await seedOrganization();
    const res = await get("/api/auth/session", asCookie(owner.token));
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(owner.user.id);
    expect(res.body.organization?.id).toBe(owner.organization.id);
  });

  it("refuses garbage, a well-formed unknown session and another token kind in the cookie with 401", async () => {
    for (const value of ["garbage", "sst_not-a-real-token", mintToken("session"), mintToken("invitation")]) {
      expectProblem(await get("/api/auth/session", asCookie(value)), 401, "unauthenticated");
      expectProblem(await get("/api/organizations/me", asCookie(value)), 401, "unauthenticated");
    }
  });

  it("an API key in the cookie is a 401 on the optional-auth accept route, and the invitation stays pending", async () => {
    const owner = await seedOrganization("Optional Auth Tours");
    const { key } = await createKey(owner.token, "Admin");
    const other = await seedOrganization("Elsewhere");
    const invitee = await addMember(other.organization.id, "member", "cookie-invitee");
    const inv = await post("/api/organizations/invitations", { email: invitee.user.email, role: "Member" }, { token: owner.token });
    expect(inv.status).toBe(201);
    const [email] = await waitForEmail(invitee.user.email, "invitation");
    const token = tokenIn(email!.text, "invitation");

    expectProblem(await call("POST", `/api/invitations/${token}/accept`, asCookie(key)), 401, "unauthenticated");
    expectProblem(await call("POST", `/api/invitations/${token}/accept`, asCookie("garbage")), 401, "unauthenticated");
    const row = await env.DB.prepare("SELECT status FROM invitations WHERE id = ?").bind(inv.body.id).first<{ status: string }>();
    expect(row!.status).toBe("pending");
    const members = await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(members!.n).toBe(1);

    // The invitee's own session cookie is accepted on the same route.
    const accepted = await post(`/api/invitations/${token}/accept`, undefined, asCookie(invitee.token));
    expect(accepted.status).toBe(200);
    expect(accepted.body.member.user.id).toBe(invitee.user.id);
  });

  it("the invitation page with an API key as the cookie shows the signed-out page", async () => {
    const owner = await seedOrganization("Page Cookie Tours");
    const { key } = await createKey(owner.token, "Admin");
    const other = await seedOrganization("Elsewhere Too");
    const invitee = await addMember(other.organization.id, "member", "page-invitee");
    expect(
      (await post("/api/organizations/invitations", { email: invitee.user.email, role: "Member" }, { token: owner.token })).status,
    ).toBe(201);
    const [email] = await waitForEmail(invitee.user.email, "invitation");
    const token = tokenIn(email!.text, "invitation");

    // Control: the invitee's session cookie makes the page signed in.
    const signedIn = await call("GET", `/invitations/${token}`, asCookie(invitee.token));
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain(`Signed in as ${invitee.user.email}`);

    const withKey = await call("GET", `/invitations/${token}`, asCookie(key));
    expect(withKey.status).toBe(200);
    expect(withKey.text).not.toContain("Signed in as");
    expect(withKey.text).not.toContain('role="alert"'); // no "signed in as someone else" either
    expect(withKey.text).toContain("Sign in and accept");
  });
});
