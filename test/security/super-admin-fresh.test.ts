import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, get, patch } from "../helpers/api";
import { addMember, seedOrganization } from "../helpers/factories";

const setFlag = (userId: string, on: boolean) =>
  env.DB.prepare("UPDATE users SET is_super_admin = ? WHERE id = ?")
    .bind(on ? 1 : 0, userId)
    .run();

/** A member of its own org whose Super Admin flag is set straight in D1 (the only way to grant it). */
async function staffWithWarmCaches() {
  const home = await seedOrganization("Staff Home");
  const staff = await addMember(home.organization.id, "member", "staff");
  const target = await seedOrganization("Watched Org");
  await setFlag(staff.user.id, true);
  // Warm every tier: the session, the user, the org list and the target org all read once.
  const list = await get("/api/organizations", { token: staff.token });
  expect(list.status).toBe(200);
  expect((await get(`/api/organizations/${target.organization.id}`, { token: staff.token })).status).toBe(200);
  expect((await get("/api/auth/session", { token: staff.token })).status).toBe(200);
  return { staff, target };
}

describe("revoking Super Admin takes effect on the very next request", () => {
  it("GET /api/organizations is a 403 right after the flag is cleared, with no cache touched", async () => {
    const { staff } = await staffWithWarmCaches();
    await setFlag(staff.user.id, false);
    expectProblem(await get("/api/organizations", { token: staff.token }), 403, "forbidden");
  });

  it("GET and PATCH /api/organizations/{id} are 403 too, and nothing changes", async () => {
    const { staff, target } = await staffWithWarmCaches();
    await setFlag(staff.user.id, false);
    const res = await get(`/api/organizations/${target.organization.id}`, { token: staff.token });
    expectProblem(res, 403, "forbidden");
    expect(res.body.name).toBeUndefined();
    expectProblem(
      await patch(`/api/organizations/${target.organization.id}`, { name: "Hijacked" }, { token: staff.token }),
      403,
      "forbidden",
    );
    const row = await env.DB.prepare("SELECT name FROM organizations WHERE id = ?").bind(target.organization.id).first<{ name: string }>();
    expect(row!.name).toBe("Watched Org");
  });

  it("the session itself keeps working for the user's own organization", async () => {
    const { staff } = await staffWithWarmCaches();
    await setFlag(staff.user.id, false);
    expectProblem(await get("/api/organizations", { token: staff.token }), 403, "forbidden");
    expect((await get("/api/organizations/me", { token: staff.token })).status).toBe(200);
  });

  it("granting again works at once as well", async () => {
    const { staff } = await staffWithWarmCaches();
    await setFlag(staff.user.id, false);
    expectProblem(await get("/api/organizations", { token: staff.token }), 403, "forbidden");
    await setFlag(staff.user.id, true);
    expect((await get("/api/organizations", { token: staff.token })).status).toBe(200);
  });
});
