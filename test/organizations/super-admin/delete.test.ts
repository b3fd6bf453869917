import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../../src/lib/ids";
import { del, expectProblem, get, post, put } from "../../helpers/api";
import { addMember, createKey, createRole, signUp, uniqueEmail } from "../../helpers/factories";
import { superAdmin, rowCount } from "../../helpers/super-admin";
import { withSession } from "../../helpers/sign-in";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

describe("deleting an organization", () => {
  it("removes it with its members, roles, invitations and API keys; its key and sessions lose it at once; users stay", async () => {
    const admin = await superAdmin();
    const doomed = await signUp({ organizationName: "Doomed Org" });
    await createRole(doomed.token, "Guide", ["users.read"]);
    const guide = await addMember(doomed.organization.id, "guide", "guide");
    const key = await createKey(doomed.token, "Member");
    const invited = await post("/api/organizations/invitations", { email: uniqueEmail("invitee"), role: "Guide" }, { token: doomed.token });
    expect(invited.status).toBe(201);

    // A user of another organization who also belongs to the doomed one, acting in it.
    const password = "another-strong-password";
    const both = await signUp({ organizationName: "Surviving Org", password });
    await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
      .bind(newId("mem"), doomed.organization.id, both.user.id, Date.now())
      .run();
    expect((await put("/api/auth/session/organization", { organizationId: doomed.organization.id }, { token: both.token })).status).toBe(
      200,
    );

    // Warm every cache tier the deletion must purge.
    expect((await get("/api/organizations/me", { token: key.key })).body.id).toBe(doomed.organization.id);
    expect((await get("/api/organizations/me", { token: both.token })).body.id).toBe(doomed.organization.id);
    expect((await get("/api/organizations/me", { token: guide.token })).status).toBe(200);

    const res = await del(`/api/organizations/${doomed.organization.id}`, { token: admin.token });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");

    expectProblem(await get("/api/organizations/me", { token: key.key }), 401, "unauthenticated");
    expectProblem(await get("/api/organizations/me", { token: both.token }), 404, "no_active_organization");
    expectProblem(await get("/api/organizations/members", { token: guide.token }), 404, "no_active_organization");
    expect((await get("/api/auth/session", { token: both.token })).body).toMatchObject({ user: { id: both.user.id }, organization: null });

    const orgId = doomed.organization.id;
    expect(await rowCount("organizations", "id", orgId)).toBe(0);
    for (const table of ["members", "roles", "api_keys", "invitations"])
      expect(await rowCount(table, "organization_id", orgId), table).toBe(0);
    expect(await rowCount("sessions", "active_organization_id", orgId)).toBe(0);
    for (const user of [doomed.user, guide.user, both.user]) expect(await rowCount("users", "id", user.id)).toBe(1);
    expect(await rowCount("members", "user_id", both.user.id)).toBe(1);

    const signIn = withSession(await post("/api/auth/sign-in", { email: both.user.email, password }));
    expect(signIn.status).toBe(200);
    const fresh = signIn.body.session.token;
    const switched = await put("/api/auth/session/organization", { organizationId: both.organization.id }, { token: fresh });
    expect(switched.status).toBe(200);
    expect((await get("/api/organizations/me", { token: fresh })).body).toMatchObject({ id: both.organization.id, name: "Surviving Org" });
    expect((await put("/api/auth/session/organization", { organizationId: both.organization.id }, { token: both.token })).status).toBe(200);

    expectProblem(await get(`/api/organizations/${orgId}`, { token: admin.token }), 404, "not_found");
    expectProblem(await del(`/api/organizations/${orgId}`, { token: admin.token }), 404, "not_found");
  });

  it("a Super Admin may delete their own organization; their session then has no active organization", async () => {
    const admin = await superAdmin();
    expect((await del(`/api/organizations/${admin.organization.id}`, { token: admin.token })).status).toBe(204);
    expectProblem(await get("/api/organizations/me", { token: admin.token }), 404, "no_active_organization");
    expect((await get("/api/organizations?limit=1", { token: admin.token })).status).toBe(200);
  });
});
