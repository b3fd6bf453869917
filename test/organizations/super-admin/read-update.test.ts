import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../../src/lib/ids";
import { del, expectProblem, get, patch, post, offDocument } from "../../helpers/api";
import { sweepExpiredInvitations } from "../../../src/services/invitations/sweep";
import { addMember, createKey, signUp, uniqueEmail } from "../../helpers/factories";
import { testContext } from "../../helpers/context";
import { superAdmin, uniqueWord } from "../../helpers/super-admin";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

describe("reading and updating any organization", () => {
  it("GET /{id} shows the organization with its member, API key and pending invitation counts", async () => {
    const admin = await superAdmin();
    const owner = await signUp({ organizationName: "Counted Org" });
    await addMember(owner.organization.id);
    await addMember(owner.organization.id);
    await createKey(owner.token, "Member");
    for (let i = 0; i < 2; i++) {
      const invited = await post(
        "/api/organizations/invitations",
        { email: uniqueEmail("invitee"), role: "Member" },
        { token: owner.token },
      );
      expect(invited.status).toBe(201);
    }
    // A pending invitation past its expiry is counted until the scheduled sweep stores it as expired.
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = (SELECT id FROM invitations WHERE organization_id = ? LIMIT 1)")
      .bind(Date.now() - 1000, owner.organization.id)
      .run();
    const unswept = await get(`/api/organizations/${owner.organization.id}`, { token: admin.token });
    expect(unswept.body).toMatchObject({ memberCount: 3, apiKeyCount: 1, invitationCount: 2 });
    expect(await sweepExpiredInvitations(testContext())).toBeGreaterThanOrEqual(1);

    const res = await get(`/api/organizations/${owner.organization.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: owner.organization.id,
      name: "Counted Org",
      logo: null,
      timezone: "UTC",
      requireMfa: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      memberCount: 3,
      apiKeyCount: 1,
      invitationCount: 1,
    });
  });

  it("an unknown organization id is a 404 on GET, PATCH and DELETE", async () => {
    const admin = await superAdmin();
    const missing = newId("org");
    expectProblem(await get(`/api/organizations/${missing}`, { token: admin.token }), 404, "not_found");
    expectProblem(await patch(`/api/organizations/${missing}`, { name: "Ghost" }, { token: admin.token }), 404, "not_found");
    expectProblem(await del(`/api/organizations/${missing}`, { token: admin.token }), 404, "not_found");
  });

  it("PATCH with an invalid time zone, a relative logo or an unknown field is a 400 and nothing changes", async () => {
    const admin = await superAdmin();
    const owner = await signUp({ organizationName: "Steady Org" });
    const path = `/api/organizations/${owner.organization.id}` as const;
    const before = (await get(path, { token: admin.token })).body;
    const bad = expectProblem(await patch(path, { timezone: "Mars/Olympus" }, { token: admin.token }), 400, "validation_failed");
    expect(bad.errors).toEqual([{ path: "timezone", message: "Unknown IANA time zone." }]);
    expectProblem(await patch(path, { logo: "/logo.png" }, { token: admin.token }), 400, "validation_failed");
    expectProblem(await patch(path, offDocument({ name: "X", isSuperAdmin: true }), { token: admin.token }), 400, "validation_failed");
    expect((await get(path, { token: admin.token })).body).toEqual(before);
  });

  it("PATCH then GET shows the change, and the organization's own members see it at once", async () => {
    const admin = await superAdmin();
    const owner = await signUp({ organizationName: "Old Name" });
    expect((await get("/api/organizations/me", { token: owner.token })).body.name).toBe("Old Name"); // warm the cache
    const t = uniqueWord();
    const path = `/api/organizations/${owner.organization.id}` as const;

    const res = await patch(
      path,
      { name: `  New Name ${t} `, timezone: "America/Los_Angeles", logo: "https://cdn.example.com/new.png" },
      { token: admin.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: owner.organization.id,
      name: `New Name ${t}`,
      timezone: "America/Los_Angeles",
      logo: "https://cdn.example.com/new.png",
      memberCount: 1,
    });
    expect((await get(path, { token: admin.token })).body).toEqual(res.body);
    expect((await get("/api/organizations/me", { token: owner.token })).body).toMatchObject({
      name: `New Name ${t}`,
      timezone: "America/Los_Angeles",
    });
    expect((await get(`/api/organizations?q=new%20name%20${t}`, { token: admin.token })).body.data.map((o) => o.id)).toEqual([
      owner.organization.id,
    ]);

    const cleared = await patch(path, { logo: null }, { token: admin.token });
    expect(cleared.body.logo).toBeNull();
  });
});
