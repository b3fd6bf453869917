import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, get, post } from "../helpers/api";
import { signUp } from "../helpers/factories";
import { invite, linkToken, rowOf } from "../helpers/invitations";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

describe("resend, revoke and expiry", () => {
  it("resend: a new token (the old link 404s), a new 7-day expiry, a new email id", async () => {
    const owner = await signUp();
    const inv = await invite(owner.token);
    const oldToken = await linkToken(inv.id);
    const before = await rowOf(inv.id);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() + 1000, inv.id)
      .run();

    const resent = await post(`/api/organizations/invitations/${inv.id}`, undefined, { token: owner.token });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: inv.id, status: "pending", deliveryStatus: "queued" });
    expect((Date.parse(resent.body.expiresAt) - Date.now()) / 86_400_000).toBeGreaterThan(6.99);
    const after = await rowOf(inv.id);
    expect(after!.token_hash).not.toBe(before!.token_hash);
    expect(after!.email_id).not.toBe(before!.email_id);
    expectProblem(await get(`/api/invitations/${oldToken}`), 404, "not_found");
    expectProblem(await post(`/api/invitations/${oldToken}/accept`, { name: "X", password: "long-enough" }), 404, "not_found");

    const newToken = await linkToken(inv.id);
    expect((await post(`/api/invitations/${newToken}/accept`, { name: "X", password: "long-enough" })).status).toBe(200);
    expectProblem(await post(`/api/organizations/invitations/${inv.id}`, undefined, { token: owner.token }), 409, "conflict");
  });

  it("an expired invitation is a 410 to accept, and resending revives it", async () => {
    const owner = await signUp();
    const inv = await invite(owner.token);
    const token = await linkToken(inv.id);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, inv.id)
      .run();
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "Late", password: "long-enough" }), 410, "invitation_expired");
    expectProblem(await post(`/api/invitations/${token}/decline`), 410, "invitation_expired");
    expect((await get(`/api/invitations/${token}`)).body.status).toBe("expired");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?").bind(owner.organization.id).first()).toEqual(
      { n: 1 },
    );

    expect((await post(`/api/organizations/invitations/${inv.id}`, undefined, { token: owner.token })).status).toBe(200);
    const fresh = await linkToken(inv.id);
    expect((await post(`/api/invitations/${fresh}/accept`, { name: "Late", password: "long-enough" })).status).toBe(200);
  });
});
