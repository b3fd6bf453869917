import { describe, expect, it } from "vitest";
import { call, expectProblem, get, patch } from "../../helpers/api";
import { signUp } from "../../helpers/factories";
import { superAdmin, rowCount } from "../../helpers/super-admin";
import type { Schemas } from "../../helpers/document";

describe("routing beside /me, /members, /roles, /invitations and /api-keys", () => {
  const siblings = [
    "/api/organizations/me",
    "/api/organizations/members",
    "/api/organizations/roles",
    "/api/organizations/invitations",
    "/api/organizations/api-keys",
  ] as const;

  it("the sibling routes still answer for a Super Admin and for an org Admin", async () => {
    const admin = await superAdmin();
    const owner = await signUp();
    for (const caller of [admin, owner]) {
      const me = await get("/api/organizations/me", { token: caller.token });
      expect(me.body).toMatchObject({ id: caller.organization.id });
      expect((me.body as Partial<Schemas["AdminOrganization"]>).memberCount).toBeUndefined();
      for (const path of siblings.slice(1)) {
        const res = await get(path, { token: caller.token });
        expect(res.status, `${path}: ${res.text}`).toBe(200);
        expect(res.body).toMatchObject({ data: expect.any(Array), nextCursor: null });
      }
      expect((await get("/api/organizations/members", { token: caller.token })).body.data[0]!.user.id).toBe(caller.user.id);
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
    const put405 = await call("PUT", `/api/organizations/${admin.organization.id}`, { body: { name: "x" }, token: admin.token });
    expectProblem(put405, 405, "method_not_allowed");
    expect(put405.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expect(await rowCount("organizations", "id", admin.organization.id)).toBe(1);
  });

  it("a malformed id is a problem+json 404, never a 500", async () => {
    const admin = await superAdmin();
    const good = admin.organization.id;
    for (const id of [
      "not-an-id",
      good.toLowerCase(),
      `${good}X`,
      good.slice(0, -1),
      `usr_${good.slice(4)}`,
      "org_",
      "org_%27%20OR%201%3D1",
    ]) {
      for (const method of ["GET", "PATCH", "DELETE"]) {
        const res = await call(method, `/api/organizations/${id}`, {
          token: admin.token,
          body: method === "PATCH" ? { name: "x" } : undefined,
        });
        expectProblem(res, 404, "not_found");
      }
    }
    expect((await get(`/api/organizations/${good}`, { token: admin.token })).status).toBe(200);
  });
});
