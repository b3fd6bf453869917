import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { del, expectProblem, get } from "../helpers/api";
import { addMember, signUp } from "../helpers/factories";

describe("removing a member", () => {
  it("removes the membership, keeps the user, and the removed member's session loses the org on the next request", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    expect((await get("/api/organizations/members", { token: member.token })).status).toBe(200);

    expect((await del(`/api/organizations/members/${member.member.id}`, { token: owner.token })).status).toBe(204);
    expectProblem(await get("/api/organizations/members", { token: member.token }), 404, "no_active_organization");
    expectProblem(await get("/api/organizations/me", { token: member.token }), 404, "no_active_organization");
    expect(await env.DB.prepare("SELECT id FROM members WHERE id = ?").bind(member.member.id).first()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(member.user.id).first()).toEqual({ id: member.user.id });
    expectProblem(await del(`/api/organizations/members/${member.member.id}`, { token: owner.token }), 404, "not_found");
  });
});
