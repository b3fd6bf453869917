import { describe, expect, it } from "vitest";
import { del, expectProblem, get, patch } from "../helpers/api";
import { addMember, createKey, signUp } from "../helpers/factories";
import { adminCount } from "../helpers/members";

describe("the last admin", () => {
  it("demoting or removing the only Admin is a 409 last_admin, even by themselves", async () => {
    const owner = await signUp();
    const me = (await get("/api/organizations/members", { token: owner.token })).body.data[0]!;
    expectProblem(await patch(`/api/organizations/members/${me.id}`, { role: "Member" }, { token: owner.token }), 409, "last_admin");
    expectProblem(await del(`/api/organizations/members/${me.id}`, { token: owner.token }), 409, "last_admin");
    expect(await adminCount(owner.organization.id)).toBe(1);
  });

  it("with two Admins one may step down, then the other is the last", async () => {
    const owner = await signUp();
    const second = await addMember(owner.organization.id, "admin", "second");
    expect((await patch(`/api/organizations/members/${second.member.id}`, { role: "Member" }, { token: second.token })).status).toBe(200);
    const me = (await get("/api/organizations/members?role=admin", { token: owner.token })).body.data[0]!;
    expectProblem(await del(`/api/organizations/members/${me.id}`, { token: owner.token }), 409, "last_admin");
  });

  it("two parallel requests demoting the two Admins: exactly one succeeds and one Admin remains", async () => {
    for (let round = 0; round < 3; round++) {
      const owner = await signUp();
      await addMember(owner.organization.id, "admin", "second");
      // An Admin API key is not a member, so neither demotion changes the caller: only the SQL guard can stop the second.
      const key = await createKey(owner.token, "Admin");
      const admins = (await get("/api/organizations/members?role=admin", { token: key.key })).body.data.map((m) => m.id);
      expect(admins).toHaveLength(2);
      const results = await Promise.all(
        admins.map((id: string) => patch(`/api/organizations/members/${id}`, { role: "Member" }, { token: key.key })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expectProblem(results.find((r) => r.status === 409)!, 409, "last_admin");
      expect(await adminCount(owner.organization.id)).toBe(1);
    }
  });

  it("two Admins demoting each other at once: one succeeds, one Admin remains", async () => {
    const owner = await signUp();
    const second = await addMember(owner.organization.id, "admin", "second");
    await get("/api/organizations/me", { token: second.token }); // both sessions warm
    const first = (await get("/api/organizations/members?role=admin", { token: owner.token })).body.data.find(
      (m) => m.user.id === owner.user.id,
    )!;
    const results = await Promise.all([
      patch(`/api/organizations/members/${second.member.id}`, { role: "Member" }, { token: owner.token }),
      patch(`/api/organizations/members/${first.id}`, { role: "Member" }, { token: second.token }),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // The loser is refused either by the SQL guard (409) or, if it ran after, because it is no longer an Admin (403).
    expect([403, 409]).toContain(results.find((r) => r.status !== 200)!.status);
    expect(await adminCount(owner.organization.id)).toBe(1);
  });

  it("two parallel removals of the two Admins: exactly one succeeds", async () => {
    const owner = await signUp();
    await addMember(owner.organization.id, "admin", "second");
    const key = await createKey(owner.token, "Admin");
    const admins = (await get("/api/organizations/members?role=admin", { token: key.key })).body.data.map((m) => m.id);
    const results = await Promise.all(admins.map((id: string) => del(`/api/organizations/members/${id}`, { token: key.key })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await adminCount(owner.organization.id)).toBe(1);
  });
});
