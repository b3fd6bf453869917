import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintToken, sha256Hex } from "../../src/lib/tokens";
import { call, get, post } from "../helpers/api";
import { signUp, uniqueEmail } from "../helpers/factories";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

async function invitationWithToken(ownerToken: string, email = uniqueEmail("page")) {
  const res = await post("/api/organizations/invitations", { email, role: "Member" }, { token: ownerToken });
  const token = mintToken("invitation");
  await env.DB.prepare("UPDATE invitations SET token_hash = ? WHERE id = ?")
    .bind(await sha256Hex(token), res.body.id)
    .run();
  return { id: res.body.id as string, token, email };
}

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});

describe("the invitation page", () => {
  it("shows the organization, role and inviter with a sign-up form for a new address", async () => {
    const owner = await signUp({ name: "Ada <Admin>", organizationName: "Tide & Trail" });
    await call("PATCH", "/api/organizations/me", { token: owner.token, body: { logo: "https://cdn.example.com/tide.png" } });
    const inv = await invitationWithToken(owner.token);
    const res = await call("GET", `/invitations/${inv.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.text).toContain("Join Tide &amp; Trail");
    expect(res.text).toContain("Ada &lt;Admin&gt;"); // escaped
    expect(res.text).toContain('src="https://cdn.example.com/tide.png"');
    expect(res.text).toContain("Create account and accept");
    expect(res.text).toMatch(/<label for="password">/);
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!cdn\.example\.com)[^"]*\.(js|css)/);
  });

  it("signs up and accepts through the form, setting the session cookie", async () => {
    const owner = await signUp({ organizationName: "Form Tours" });
    const inv = await invitationWithToken(owner.token);
    const res = await call("POST", `/invitations/${inv.token}`, form({ action: "accept", name: "Pat", password: "pats-password" }));
    expect(res.status).toBe(200);
    expect(res.text).toContain("You joined Form Tours as Member.");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/session=sst_[^;]+;.*HttpOnly/i);
    const sessionToken = /session=(sst_[^;]+)/.exec(cookie)![1]!;
    expect((await get("/api/organizations/me", { token: sessionToken })).body.name).toBe("Form Tours");

    const again = await call("GET", `/invitations/${inv.token}`);
    expect(again.text).toContain("This invitation has already been used.");
  });

  it("an existing account signs in and accepts; a wrong password re-renders the form with an error", async () => {
    const owner = await signUp({ organizationName: "Signin Tours" });
    const invitee = await signUp({ password: "the-real-password" });
    const inv = await invitationWithToken(owner.token, invitee.user.email);
    expect((await call("GET", `/invitations/${inv.token}`)).text).toContain("Sign in and accept");
    const wrong = await call("POST", `/invitations/${inv.token}`, form({ action: "accept", password: "nope-nope" }));
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('role="alert"');
    const right = await call("POST", `/invitations/${inv.token}`, form({ action: "accept", password: "the-real-password" }));
    expect(right.status).toBe(200);
    expect(right.text).toContain("You joined Signin Tours");
  });

  it("declining through the page revokes the invitation", async () => {
    const owner = await signUp();
    const inv = await invitationWithToken(owner.token);
    const res = await call("POST", `/invitations/${inv.token}`, form({ action: "decline" }));
    expect(res.text).toContain("You declined the invitation.");
    expect(await env.DB.prepare("SELECT status FROM invitations WHERE id = ?").bind(inv.id).first()).toEqual({ status: "revoked" });
    expect((await call("GET", `/invitations/${inv.token}`)).text).toContain("no longer valid");
  });

  it("explains expired and unknown links", async () => {
    const owner = await signUp({ name: "Olive" });
    const inv = await invitationWithToken(owner.token);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, inv.id)
      .run();
    expect((await call("GET", `/invitations/${inv.token}`)).text).toContain(
      "This invitation has expired. Ask Olive to send you a new one.",
    );
    const unknown = await call("GET", `/invitations/${mintToken("invitation")}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("Invitation not found");
  });
});
