import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../../src/cache/auth-cache";
import { call, expectProblem, get } from "../../helpers/api";
import { testContext } from "../../helpers/context";
import { createKey, signUp } from "../../helpers/factories";
import { superAdmin, rowCount } from "../../helpers/super-admin";

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
