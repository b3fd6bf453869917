import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { del, get, patch, post, expectProblem } from "../../helpers/api";
import { addMember, createKey, createRole, signUp, uniqueEmail } from "../../helpers/factories";
import { superAdmin, uniqueWord } from "../../helpers/super-admin";

/**
 * The counts and search indexes are stored (migrations/0004) and kept by triggers inside the
 * statements that write members, API keys, invitations, users and organizations: every change made
 * through the API shows in the next read, with no recount.
 */
describe("stored counts and search indexes follow every write", () => {
  it("member, API key and pending-invitation counts and per-role member counts move with the API's writes", async () => {
    const admin = await superAdmin();
    const owner = await signUp({ organizationName: "Counting Tours" });
    const detail = async () => (await get(`/api/organizations/${owner.organization.id}`, { token: admin.token })).body;
    const roleCount = async (name: string) =>
      (await get("/api/organizations/roles", { token: owner.token })).body.data.find((r) => r.name === name)!.memberCount;
    expect(await detail()).toMatchObject({ memberCount: 1, apiKeyCount: 0, invitationCount: 0 });

    await createRole(owner.token, "Guide", ["users.read"]);
    const a = await addMember(owner.organization.id, "member", "a");
    await addMember(owner.organization.id, "member", "b");
    const key = await createKey(owner.token, "Member");
    const invited = await post("/api/organizations/invitations", { email: uniqueEmail("c"), role: "Member" }, { token: owner.token });
    await post("/api/organizations/invitations", { email: uniqueEmail("d"), role: "Member" }, { token: owner.token });
    expect(await detail()).toMatchObject({ memberCount: 3, apiKeyCount: 1, invitationCount: 2 });
    expect([await roleCount("Admin"), await roleCount("Member"), await roleCount("Guide")]).toEqual([1, 2, 0]);

    expect((await patch(`/api/organizations/members/${a.member.id}`, { role: "Guide" }, { token: owner.token })).status).toBe(200);
    expect([await roleCount("Member"), await roleCount("Guide")]).toEqual([1, 1]);
    expect((await del(`/api/organizations/members/${a.member.id}`, { token: owner.token })).status).toBe(204);
    expect((await del(`/api/organizations/api-keys/${key.id}`, { token: owner.token })).status).toBe(204);
    expect((await del(`/api/organizations/invitations/${invited.body.id}`, { token: owner.token })).status).toBe(204);
    expect(await detail()).toMatchObject({ memberCount: 2, apiKeyCount: 0, invitationCount: 1 });
    expect([await roleCount("Admin"), await roleCount("Member"), await roleCount("Guide")]).toEqual([1, 1, 0]);
  });

  it("member search follows a user's new name; organization search follows a rename", async () => {
    const admin = await superAdmin();
    const word = uniqueWord();
    const owner = await signUp({ name: "Quentin Before", organizationName: `Before ${word}` });
    const byName = (q: string) => get(`/api/organizations/members?q=${q}`, { token: owner.token });
    expect((await byName("quentin")).body.data).toHaveLength(1);

    await env.DB.prepare("UPDATE users SET name = ? WHERE id = ?").bind(`Renamed ${word}`, owner.user.id).run();
    expect((await byName("quentin")).body.data).toEqual([]);
    expect((await byName(word)).body.data.map((m) => m.user.id)).toEqual([owner.user.id]);

    expect((await patch("/api/organizations/me", { name: `After ${word}` }, { token: owner.token })).status).toBe(200);
    const found = await get(`/api/organizations?q=after%20${word}`, { token: admin.token });
    expect(found.body.data.map((o) => o.id)).toEqual([owner.organization.id]);
    expect((await get(`/api/organizations?q=before%20${word}`, { token: admin.token })).body.data).toEqual([]);
  });

  it("invitations: q is an email substring within the organization, combined with status, paged by its own cursor", async () => {
    const word = uniqueWord();
    const owner = await signUp();
    const other = await signUp();
    const ids: string[] = [];
    for (const label of ["one", "two", "three"]) {
      const res = await post(
        "/api/organizations/invitations",
        { email: `${label}.${word}@example.com`, role: "Member" },
        { token: owner.token },
      );
      ids.push(res.body.id);
    }
    await post("/api/organizations/invitations", { email: `one.${word}@example.com`, role: "Member" }, { token: other.token });
    await del(`/api/organizations/invitations/${ids[1]}`, { token: owner.token });

    const first = await get(`/api/organizations/invitations?q=${word}&limit=2`, { token: owner.token });
    expect(first.body.data.map((i) => i.id)).toEqual(ids.slice(0, 2));
    const rest = await get(`/api/organizations/invitations?q=${word}&limit=2&cursor=${first.body.nextCursor}`, { token: owner.token });
    expect(rest.body).toEqual({ data: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    const pending = await get(`/api/organizations/invitations?q=${word}&status=pending`, { token: owner.token });
    expect(pending.body.data.map((i) => i.id)).toEqual([ids[0], ids[2]]);
    const one = await get(`/api/organizations/invitations?q=ONE.${word}`, { token: owner.token });
    expect(one.body.data.map((i) => i.id)).toEqual([ids[0]]);
    // An id cursor is not a search cursor.
    const plain = await get("/api/organizations/invitations?limit=1", { token: owner.token });
    expectProblem(
      await get(`/api/organizations/invitations?q=${word}&cursor=${plain.body.nextCursor}`, { token: owner.token }),
      400,
      "invalid_cursor",
    );
  });
});
