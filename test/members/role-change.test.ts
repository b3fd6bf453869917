import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, get, patch, offDocument } from "../helpers/api";
import { addMember, createRole, signUp } from "../helpers/factories";

describe("changing a member's role", () => {
  it("promotes a Member to a custom role and the member's permissions change on their next request", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Inviter", ["users.read", "users.invite"]);
    const member = await addMember(owner.organization.id, "member");
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.permissions["users.invite"]).toBe(false);

    const res = await patch(`/api/organizations/members/${member.member.id}`, { role: "inviter" }, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: member.member.id,
      user: { id: member.user.id },
      role: { name: "Inviter", source: "organization" },
    });
    const row = await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(member.member.id).first();
    expect(row).toEqual({ role_key: "inviter" });
    expect((await get("/api/organizations/me/permissions", { token: member.token })).body.permissions["users.invite"]).toBe(true);
  });

  it("an unknown role is a 400 and nothing changes", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    expectProblem(
      await patch(`/api/organizations/members/${member.member.id}`, { role: "Wizard" }, { token: owner.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await patch(`/api/organizations/members/${member.member.id}`, offDocument({ role: "member", extra: 1 }), { token: owner.token }),
      400,
      "validation_failed",
    );
    const row = await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(member.member.id).first();
    expect(row).toEqual({ role_key: "member" });
  });
});
