import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, patch, post } from "../helpers/api";
import { addMember, createRole, seedOrganization } from "../helpers/factories";
import type { Schemas } from "../helpers/document";

/**
 * API.md §7: a replay is answered only after the route's requirements hold for the caller as it is
 * now. A stored response is what the service answered whoever the caller was; replaying it must not
 * outlive a lost permission (a new API key's or webhook's secret is in it).
 */

const withKey = (key: string, token: string) => ({ token, headers: { "idempotency-key": key } });
const count = async (table: "api_keys" | "webhook_endpoints" | "roles", organizationId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE organization_id = ?`).bind(organizationId).first<{ n: number }>())!.n;
const records = async (organizationId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM idempotency_records WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ n: number }>())!.n;

/** An organization with two Admins: `admin` acts, `colleague` changes admin's role through the API. */
async function twoAdmins() {
  const organization = (await seedOrganization("Replay Tours")).organization;
  const admin = await addMember(organization.id, "admin", "admin");
  const colleague = await addMember(organization.id, "admin", "colleague");
  const setRole = async (role: string) => {
    const res = await patch(`/api/organizations/members/${admin.member.id}`, { role }, { token: colleague.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.role.name).toBe(role);
  };
  return { organization, admin, setRole };
}

describe("an idempotent replay after the caller lost the permission", () => {
  it("an Admin who created an API key, then was demoted to Member, replays it → 403, no secret, no new key", async () => {
    const { organization, admin, setRole } = await twoAdmins();
    const request = { name: "Booking site", role: "Member" };
    const first = await post("/api/organizations/api-keys", request, withKey("key-before-demotion", admin.token));
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/^ork_/);

    await setRole("Member");
    const replay = await post("/api/organizations/api-keys", request, withKey("key-before-demotion", admin.token));
    const problem = expectProblem(replay, 403, "forbidden");
    expect(problem.detail).toBe("This needs the api_keys.create permission.");
    expect(replay.headers.get("idempotent-replayed")).toBeNull();
    expect(replay.text).not.toContain(first.body.key);
    expect(replay.text).not.toContain("ork_");
    expect(replay.text).not.toContain(first.body.id);
    expect(await count("api_keys", organization.id)).toBe(1);
    // The 403 is the caller's standing now, not a new outcome of the request: nothing is stored for it.
    expect(await records(organization.id)).toBe(1);

    // Promoted again, the same caller gets the first response back: the record was never the problem.
    await setRole("Admin");
    const again = await post("/api/organizations/api-keys", request, withKey("key-before-demotion", admin.token));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await count("api_keys", organization.id)).toBe(1);
  });

  it("the same for a webhook endpoint: the demoted Admin's replay → 403 without the signing secret", async () => {
    const { organization, admin, setRole } = await twoAdmins();
    const request = { url: "https://hooks.example.com/replay-after-demotion" };
    const first = await post("/api/organizations/webhooks", request, withKey("hook-before-demotion", admin.token));
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);

    await setRole("Member");
    const replay = await post("/api/organizations/webhooks", request, withKey("hook-before-demotion", admin.token));
    expect(expectProblem(replay, 403, "forbidden").detail).toBe("This needs the webhooks.create permission.");
    expect(replay.text).not.toContain(first.body.secret);
    expect(replay.text).not.toContain("whsec_");
    expect(await count("webhook_endpoints", organization.id)).toBe(1);
  });

  it("an API key whose role lost roles.create replays its role creation → 403, nothing created", async () => {
    const { organization, admin } = await twoAdmins();
    const creator = await createRole(admin.token, "Role Maker", ["roles.create", "roles.read"]);
    const key = await post("/api/organizations/api-keys", { name: "Role bot", role: "Role Maker" }, { token: admin.token });
    expect(key.status).toBe(201);
    const request: Schemas["RoleCreateInput"] = { name: "Guide", permissions: ["roles.read"] };
    const first = await post("/api/organizations/roles", request, withKey("role-before-change", key.body.key));
    expect(first.status).toBe(201);
    const rolesBefore = await count("roles", organization.id);

    const edited = await patch(`/api/organizations/roles/${creator.id}`, { permissions: ["roles.read"] }, { token: admin.token });
    expect(edited.status, edited.text).toBe(200);
    const replay = await post("/api/organizations/roles", request, withKey("role-before-change", key.body.key));
    expect(expectProblem(replay, 403, "forbidden").detail).toBe("This needs the roles.create permission.");
    expect(await count("roles", organization.id)).toBe(rolesBefore);
  });

  it("a caller who still holds the permission gets the replay as before", async () => {
    const { organization, admin } = await twoAdmins();
    const first = await post("/api/organizations/roles", { name: "Driver", permissions: [] }, withKey("still-allowed", admin.token));
    const replay = await post("/api/organizations/roles", { name: "Driver", permissions: [] }, withKey("still-allowed", admin.token));
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(await count("roles", organization.id)).toBe(1);
  });
});
