import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import { newId } from "../../src/lib/ids";
import { call, countingEnv, del, expectProblem, get, patch, post, put } from "../helpers/api";
import { testContext } from "../helpers/context";
import { addMember, createKey, createRole, signUp, uniqueEmail, drainEmailQueue } from "../helpers/factories";

// Let the real consumer finish the emails this file queued before the runtime is torn down.
afterAll(() => drainEmailQueue(), 60_000);

/** A signed-up user (Admin of their own org) made Super Admin the only way there is: a direct D1 write. */
async function superAdmin() {
  const owner = await signUp({ name: "Sam Super" });
  await env.DB.prepare("UPDATE users SET is_super_admin = 1 WHERE id = ?").bind(owner.user.id).run();
  await authCache.invalidateUser(testContext(), owner.user.id);
  return owner;
}

/** A word no other test uses in a name, so a search finds only this test's organizations. */
const uniqueWord = () => newId("org").slice(-10).toLowerCase();

const rowCount = async (table: string, column: string, value: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).bind(value).first<{ n: number }>())!.n;

/** The four routes, against `orgId`. */
const routes = (orgId: string) => [
  { method: "GET", path: "/api/organizations" },
  { method: "GET", path: `/api/organizations/${orgId}` },
  { method: "PATCH", path: `/api/organizations/${orgId}`, body: { name: "Taken Over" } },
  { method: "DELETE", path: `/api/organizations/${orgId}` },
];

describe("who may use the Super Admin routes", () => {
  it("a Super Admin's session reports isSuperAdmin and reaches all four routes", async () => {
    const admin = await superAdmin();
    const session = await get("/api/auth/session", { token: admin.token });
    expect(session.status).toBe(200);
    expect(session.body.isSuperAdmin).toBe(true);

    const target = await signUp();
    for (const route of routes(target.organization.id)) {
      const res = await call(route.method, route.path, { token: admin.token, body: route.body });
      expect(res.status, `${route.method} ${route.path}: ${res.text}`).toBe(route.method === "DELETE" ? 204 : 200);
    }
    expect(await rowCount("organizations", "id", target.organization.id)).toBe(0);
  });

  it("an org Admin's session without the flag is a 403 on all four routes, and nothing changes", async () => {
    const owner = await signUp({ organizationName: "Not Yours" });
    const target = await signUp({ organizationName: "Target Org" });
    for (const route of [...routes(target.organization.id), ...routes(owner.organization.id)]) {
      const res = await call(route.method, route.path, { token: owner.token, body: route.body });
      expect(expectProblem(res, 403, "forbidden").detail).toBe("This needs a Super Admin session.");
    }
    const row = await env.DB.prepare("SELECT name FROM organizations WHERE id = ?").bind(target.organization.id).first();
    expect(row).toEqual({ name: "Target Org" });
    expect(await rowCount("organizations", "id", owner.organization.id)).toBe(1);
  });

  it("every API key is a 403, even an Admin key created by a Super Admin", async () => {
    const admin = await superAdmin();
    const adminKey = await createKey(admin.token, "Admin");
    const memberKey = await createKey(admin.token, "Member");
    const target = await signUp({ organizationName: "Keyed Target" });
    for (const key of [adminKey.key, memberKey.key]) {
      for (const route of [...routes(target.organization.id), ...routes(admin.organization.id)]) {
        const res = await call(route.method, route.path, { token: key, body: route.body });
        expect(expectProblem(res, 403, "forbidden").detail).toBe("This endpoint needs a user session; API keys cannot use it.");
      }
    }
    expect(await rowCount("organizations", "id", target.organization.id)).toBe(1);
    expect((await get(`/api/organizations/${target.organization.id}`, { token: admin.token })).body.name).toBe("Keyed Target");
  });

  it("no credential is a 401 on all four routes", async () => {
    const target = await signUp();
    for (const route of routes(target.organization.id)) {
      expectProblem(await call(route.method, route.path, { body: route.body }), 401, "unauthenticated");
    }
    expect(await rowCount("organizations", "id", target.organization.id)).toBe(1);
  });

  it("revoking the flag takes effect on the next request once the user cache entry is dropped", async () => {
    const admin = await superAdmin();
    expect((await get("/api/organizations?limit=1", { token: admin.token })).status).toBe(200);
    await env.DB.prepare("UPDATE users SET is_super_admin = 0 WHERE id = ?").bind(admin.user.id).run();
    await authCache.invalidateUser(testContext(), admin.user.id);
    expectProblem(await get("/api/organizations?limit=1", { token: admin.token }), 403, "forbidden");
    expect((await get("/api/auth/session", { token: admin.token })).body.isSuperAdmin).toBe(false);
  });
});

describe("listing organizations", () => {
  async function threeOrgs() {
    const t = uniqueWord();
    const sunset = await signUp({ organizationName: `Sunset Tours ${t}` });
    const harbor = await signUp({ organizationName: `Harbor Cruises ${t}` });
    const percent = await signUp({ organizationName: `100% Canyon ${t}` });
    await addMember(sunset.organization.id);
    return { t, ids: [sunset.organization.id, harbor.organization.id, percent.organization.id] as const };
  }

  it("pages through every organization with limit=2: each exactly once, oldest first, with its member count", async () => {
    const admin = await superAdmin();
    const { ids } = await threeOrgs();
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await get(`/api/organizations?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(cursor).toBeNull();
    const seenIds = seen.map((o) => o.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(seenIds).toEqual([...seenIds].sort());
    expect(seenIds.filter((id) => ids.includes(id))).toEqual([...ids]);
    expect(seenIds).toContain(admin.organization.id);
    expect(seen.find((o) => o.id === ids[0])).toEqual({
      id: ids[0],
      name: expect.stringMatching(/^Sunset Tours /),
      logo: null,
      timezone: "UTC",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      memberCount: 2,
    });
    expect(seen.find((o) => o.id === ids[1]).memberCount).toBe(1);
  });

  it("q is a case-insensitive substring of the name", async () => {
    const admin = await superAdmin();
    const { t, ids } = await threeOrgs();
    const byToken = await get(`/api/organizations?limit=1&q=${t.toUpperCase()}`, { token: admin.token });
    expect(byToken.body.data.map((o: any) => o.id)).toEqual([ids[0]]);
    const rest = await get(`/api/organizations?limit=1&q=${t}&cursor=${byToken.body.nextCursor}`, { token: admin.token });
    expect(rest.body.data.map((o: any) => o.id)).toEqual([ids[1]]);

    const sunset = await get("/api/organizations?q=sunset&limit=100", { token: admin.token });
    expect(sunset.status).toBe(200);
    const found = sunset.body.data.map((o: any) => o.id);
    expect(found).toContain(ids[0]);
    expect(found).not.toContain(ids[1]);
    expect(found).not.toContain(ids[2]);
    const exact = await get(`/api/organizations?q=${encodeURIComponent(`sUnSeT tOuRs ${t}`)}`, { token: admin.token });
    expect(exact.body).toEqual({ data: [expect.objectContaining({ id: ids[0], memberCount: 2 })], nextCursor: null });
  });

  it("% and _ in q match themselves, not any character", async () => {
    const admin = await superAdmin();
    const { t, ids } = await threeOrgs();
    const percent = await get(`/api/organizations?q=${encodeURIComponent(`% canyon ${t}`)}`, { token: admin.token });
    expect(percent.body.data.map((o: any) => o.id)).toEqual([ids[2]]);
    const percentAlone = await get("/api/organizations?q=%25&limit=100", { token: admin.token });
    const found = percentAlone.body.data.map((o: any) => o.id);
    expect(found).toContain(ids[2]);
    expect(found).not.toContain(ids[0]);
    expect(found).not.toContain(ids[1]);
    expect((await get(`/api/organizations?q=${encodeURIComponent(`_${t}`)}`, { token: admin.token })).body.data).toEqual([]);
  });

  it("a page is one D1 query (after the fresh Super Admin flag read), member counts included", async () => {
    const admin = await superAdmin();
    await get("/api/organizations?limit=1", { token: admin.token }); // warm the auth cache
    const { env: counted, counts } = countingEnv();
    const res = await call("GET", "/api/organizations?limit=5", { token: admin.token, env: counted });
    expect(res.status).toBe(200);
    expect(res.body.data[0].memberCount).toEqual(expect.any(Number));
    expect(counts.d1).toBe(2); // users.is_super_admin, read fresh on every platform request; then the page
  });

  it("a forged cursor, limit=0 and an unknown parameter are 400s", async () => {
    const admin = await superAdmin();
    expectProblem(await get("/api/organizations?cursor=bWVtXzAx", { token: admin.token }), 400, "invalid_cursor");
    expectProblem(await get("/api/organizations?limit=0", { token: admin.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations?sort=name", { token: admin.token }), 400, "validation_failed");
  });
});

describe("reading and updating any organization", () => {
  it("GET /{id} shows the organization with its member, API key and pending invitation counts", async () => {
    const admin = await superAdmin();
    const owner = await signUp({ organizationName: "Counted Org" });
    await addMember(owner.organization.id);
    await addMember(owner.organization.id);
    await createKey(owner.token, "Member");
    for (let i = 0; i < 2; i++) {
      const invited = await post("/api/organizations/invitations", { email: uniqueEmail("invitee"), role: "Member" }, { token: owner.token });
      expect(invited.status).toBe(201);
    }
    // A pending invitation past its expiry reads as expired: not counted.
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = (SELECT id FROM invitations WHERE organization_id = ? LIMIT 1)")
      .bind(Date.now() - 1000, owner.organization.id)
      .run();

    const res = await get(`/api/organizations/${owner.organization.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: owner.organization.id,
      name: "Counted Org",
      logo: null,
      timezone: "UTC",
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
    const path = `/api/organizations/${owner.organization.id}`;
    const before = (await get(path, { token: admin.token })).body;
    const bad = expectProblem(await patch(path, { timezone: "Mars/Olympus" }, { token: admin.token }), 400, "validation_failed");
    expect(bad.errors).toEqual([{ path: "timezone", message: "Unknown IANA time zone." }]);
    expectProblem(await patch(path, { logo: "/logo.png" }, { token: admin.token }), 400, "validation_failed");
    expectProblem(await patch(path, { name: "X", isSuperAdmin: true }, { token: admin.token }), 400, "validation_failed");
    expect((await get(path, { token: admin.token })).body).toEqual(before);
  });

  it("PATCH then GET shows the change, and the organization's own members see it at once", async () => {
    const admin = await superAdmin();
    const owner = await signUp({ organizationName: "Old Name" });
    expect((await get("/api/organizations/me", { token: owner.token })).body.name).toBe("Old Name"); // warm the cache
    const t = uniqueWord();
    const path = `/api/organizations/${owner.organization.id}`;

    const res = await patch(path, { name: `  New Name ${t} `, timezone: "America/Los_Angeles", logo: "https://cdn.example.com/new.png" }, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: owner.organization.id, name: `New Name ${t}`, timezone: "America/Los_Angeles", logo: "https://cdn.example.com/new.png", memberCount: 1 });
    expect((await get(path, { token: admin.token })).body).toEqual(res.body);
    expect((await get("/api/organizations/me", { token: owner.token })).body).toMatchObject({ name: `New Name ${t}`, timezone: "America/Los_Angeles" });
    expect((await get(`/api/organizations?q=new%20name%20${t}`, { token: admin.token })).body.data.map((o: any) => o.id)).toEqual([owner.organization.id]);

    const cleared = await patch(path, { logo: null }, { token: admin.token });
    expect(cleared.body.logo).toBeNull();
  });
});

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
    expect((await put("/api/auth/session/organization", { organizationId: doomed.organization.id }, { token: both.token })).status).toBe(200);

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
    for (const table of ["members", "roles", "api_keys", "invitations"]) expect(await rowCount(table, "organization_id", orgId), table).toBe(0);
    expect(await rowCount("sessions", "active_organization_id", orgId)).toBe(0);
    for (const user of [doomed.user, guide.user, both.user]) expect(await rowCount("users", "id", user.id)).toBe(1);
    expect(await rowCount("members", "user_id", both.user.id)).toBe(1);

    const signIn = await post("/api/auth/sign-in", { email: both.user.email, password });
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

describe("routing beside /me, /members, /roles, /invitations and /api-keys", () => {
  const siblings = ["/api/organizations/me", "/api/organizations/members", "/api/organizations/roles", "/api/organizations/invitations", "/api/organizations/api-keys"];

  it("the sibling routes still answer for a Super Admin and for an org Admin", async () => {
    const admin = await superAdmin();
    const owner = await signUp();
    for (const caller of [admin, owner]) {
      const me = await get("/api/organizations/me", { token: caller.token });
      expect(me.body).toMatchObject({ id: caller.organization.id });
      expect(me.body.memberCount).toBeUndefined();
      for (const path of siblings.slice(1)) {
        const res = await get(path, { token: caller.token });
        expect(res.status, `${path}: ${res.text}`).toBe(200);
        expect(res.body).toMatchObject({ data: expect.any(Array), nextCursor: null });
      }
      expect((await get("/api/organizations/members", { token: caller.token })).body.data[0].user.id).toBe(caller.user.id);
    }
  });

  it("other methods on the siblings stay 405s with their own Allow, never the {id} routes; {id} has its own", async () => {
    const admin = await superAdmin();
    const res = await call("DELETE", "/api/organizations/me", { token: admin.token });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, PATCH");
    const members = await patch("/api/organizations/members", { name: "x" }, { token: admin.token });
    expectProblem(members, 405, "method_not_allowed");
    expect(members.headers.get("allow")).toBe("GET");
    const put405 = await put(`/api/organizations/${admin.organization.id}`, { name: "x" }, { token: admin.token });
    expectProblem(put405, 405, "method_not_allowed");
    expect(put405.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expect(await rowCount("organizations", "id", admin.organization.id)).toBe(1);
  });

  it("a malformed id is a problem+json 404, never a 500", async () => {
    const admin = await superAdmin();
    const good = admin.organization.id;
    for (const id of ["not-an-id", good.toLowerCase(), `${good}X`, good.slice(0, -1), `usr_${good.slice(4)}`, "org_", "org_%27%20OR%201%3D1"]) {
      for (const method of ["GET", "PATCH", "DELETE"]) {
        const res = await call(method, `/api/organizations/${id}`, { token: admin.token, body: method === "PATCH" ? { name: "x" } : undefined });
        expectProblem(res, 404, "not_found");
      }
    }
    expect((await get(`/api/organizations/${good}`, { token: admin.token })).status).toBe(200);
  });
});
