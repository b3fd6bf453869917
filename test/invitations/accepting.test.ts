import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintToken } from "../../src/lib/tokens";
import { expectProblem, get, post, offDocument } from "../helpers/api";
import { createKey, signUp, uniqueEmail } from "../helpers/factories";
import { invite, linkToken, rowOf } from "../helpers/invitations";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

describe("accepting", () => {
  it("accepting with a session of a different email → 403 and nothing changes", async () => {
    const owner = await signUp();
    const inv = await invite(owner.token);
    const token = await linkToken(inv.id);
    const stranger = await signUp();
    expectProblem(await post(`/api/invitations/${token}/accept`, undefined, { token: stranger.token }), 403, "forbidden");
    expect((await rowOf(inv.id))!.status).toBe("pending");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?").bind(owner.organization.id).first()).toEqual(
      { n: 1 },
    );
    expect((await get("/api/organizations/me", { token: stranger.token })).body.id).toBe(stranger.organization.id);
  });

  it("20 concurrent accepts create exactly one membership", async () => {
    const owner = await signUp();
    const invitee = await signUp();
    const inv = await invite(owner.token, invitee.user.email);
    const token = await linkToken(inv.id);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post(`/api/invitations/${token}/accept`, undefined, { token: invitee.token })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 404)).toBe(true);
    const members = await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND user_id = ?")
      .bind(owner.organization.id, invitee.user.id)
      .first();
    expect(members).toEqual({ n: 1 });
  });

  it("20 concurrent sign-up accepts create exactly one account and one membership", async () => {
    const owner = await signUp();
    const email = uniqueEmail("racer");
    const inv = await invite(owner.token, email);
    const token = await linkToken(inv.id);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`/api/invitations/${token}/accept`, { name: `Racer ${i}`, password: "long-enough" })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first()).toEqual({ n: 1 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ?").bind(owner.organization.id).first()).toEqual(
      { n: 2 },
    );
  });

  it("accepting as an existing member is a 409 and the invitation stays pending", async () => {
    const owner = await signUp();
    const invitee = await signUp();
    const inv = await invite(owner.token, invitee.user.email);
    const token = await linkToken(inv.id);
    // They joined another way meanwhile.
    await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
      .bind("mem_03ZZZZZZZZZZZZZZZZZZZZZZZZ", owner.organization.id, invitee.user.id, Date.now())
      .run();
    expectProblem(await post(`/api/invitations/${token}/accept`, undefined, { token: invitee.token }), 409, "already_member");
    expect((await rowOf(inv.id))!.status).toBe("pending");
  });

  it("malformed and unknown tokens are 404s; an API key cannot accept", async () => {
    const owner = await signUp();
    for (const token of ["garbage", mintToken("invitation"), mintToken("session")]) {
      expectProblem(await get(`/api/invitations/${token}`), 404, "not_found");
      expectProblem(await post(`/api/invitations/${token}/accept`, { name: "X", password: "long-enough" }), 404, "not_found");
      expectProblem(await post(`/api/invitations/${token}/decline`), 404, "not_found");
    }
    const key = await createKey(owner.token, "Admin");
    const inv = await invite(owner.token);
    const token = await linkToken(inv.id);
    expectProblem(await post(`/api/invitations/${token}/accept`, undefined, { token: key.key }), 403, "forbidden");
    expectProblem(await post(`/api/invitations/${token}/accept`, offDocument({ name: "Only name" })), 400, "validation_failed");
    expectProblem(await post(`/api/invitations/${token}/accept`, { name: "X", password: "short" }), 400, "validation_failed");
    expectProblem(
      await post(`/api/invitations/${token}/accept`, offDocument({ name: "X", password: "long-enough", role: "Admin" })),
      400,
      "validation_failed",
    );
    expect((await rowOf(inv.id))!.status).toBe("pending");
  });
});
