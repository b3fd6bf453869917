import { describe, expect, it } from "vitest";
import { mintToken } from "../../src/lib/tokens";
import { call, countingEnv, del } from "../helpers/api";
import { authorize, bearer } from "../helpers/authorizer";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";

describe("Authorizer entrypoint (API.md §10)", () => {
  it("a key whose role grants the permission is allowed, with who it is", async () => {
    const owner = await signUp({ organizationName: "Alpine Tours" });
    const role = await createRole(owner.token, "Tour desk", ["tours.read"]);
    const key = await createKey(owner.token, "Tour desk");
    expect(await authorize({ authorization: bearer(key.key), permission: "tours.read" })).toEqual({
      allowed: true,
      status: 200,
      principal: { type: "api_key", id: key.id },
      organization: { id: owner.organization.id, name: "Alpine Tours" },
      role: { id: role.id, name: "Tour desk" },
      permissions: ["tours.read"],
    });
  });

  it("a permission the role does not grant is a 403 forbidden, still saying who the caller is", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Bookings", ["bookings.read"]);
    const key = await createKey(owner.token, "Bookings");
    const result = await authorize({ authorization: bearer(key.key), permission: "tours.read" });
    expect(result).toMatchObject({
      allowed: false,
      status: 403,
      code: "forbidden",
      principal: { type: "api_key", id: key.id },
      permissions: ["bookings.read"],
    });
  });

  it("a session acts in its active organization with its membership's role", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    const result = await authorize({ authorization: bearer(member.token), permission: "tours.read" });
    expect(result).toMatchObject({
      allowed: true,
      status: 200,
      principal: { type: "session", userId: member.user.id },
      role: { id: "role_system_member", name: "Member" },
    });
    expect(result.principal!.id).toMatch(/^ses_/);
    expect(await authorize({ authorization: bearer(member.token), permission: "tours.write" })).toMatchObject({
      allowed: false,
      status: 403,
      code: "forbidden",
    });
  });

  it("without a permission it answers who the caller is", async () => {
    const owner = await signUp();
    const result = await authorize({ authorization: bearer(owner.token) });
    expect(result).toMatchObject({ allowed: true, status: 200, role: { name: "Admin" } });
    expect(result.permissions).toContain("bookings.refund");
  });

  it("every bad credential is the same 401 with nothing else", async () => {
    const owner = await signUp();
    const revoked = await createKey(owner.token, "Member");
    expect((await del(`/api/organizations/api-keys/${revoked.id}`, { token: owner.token })).status).toBe(204);
    for (const authorization of [
      undefined,
      null,
      "",
      "Bearer",
      "Basic abc",
      "Bearer garbage",
      bearer(mintToken("apiKey")),
      bearer(mintToken("session")),
      bearer(revoked.key),
    ]) {
      expect(await authorize({ authorization, permission: "tours.read" }), String(authorization)).toEqual({
        allowed: false,
        status: 401,
        code: "unauthenticated",
      });
    }
  });

  it("a key revoked through the API is refused at once on the same isolate, even when it was warm", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Tour desk", ["tours.read"]);
    const key = await createKey(owner.token, "Tour desk");
    expect((await authorize({ authorization: bearer(key.key), permission: "tours.read" })).allowed).toBe(true);
    expect((await del(`/api/organizations/api-keys/${key.id}`, { token: owner.token })).status).toBe(204);
    expect(await authorize({ authorization: bearer(key.key), permission: "tours.read" })).toEqual({
      allowed: false,
      status: 401,
      code: "unauthenticated",
    });
  });

  it("a role's change reaches the RPC as it reaches HTTP", async () => {
    const owner = await signUp();
    const role = await createRole(owner.token, "Tour desk", ["tours.read"]);
    const key = await createKey(owner.token, "Tour desk");
    expect((await authorize({ authorization: bearer(key.key), permission: "tours.write" })).allowed).toBe(false);
    // Untyped body: platform permissions are in the served (development) document only.
    expect(
      (
        await call("PATCH", `/api/organizations/roles/${role.id}`, {
          token: owner.token,
          body: { permissions: ["tours.read", "tours.write"] },
        })
      ).status,
    ).toBe(200);
    expect((await authorize({ authorization: bearer(key.key), permission: "tours.write" })).allowed).toBe(true);
  });

  it("a permission the catalog does not have fails closed (403 unknown_permission)", async () => {
    const owner = await signUp();
    expect(await authorize({ authorization: bearer(owner.token), permission: "tours.fly" })).toMatchObject({
      allowed: false,
      status: 403,
      code: "unknown_permission",
    });
  });

  it("a warm call makes no D1 or KV call (API key and session)", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Tour desk", ["tours.read"]);
    const key = await createKey(owner.token, "Tour desk");
    for (const token of [key.key, owner.token]) {
      expect((await authorize({ authorization: bearer(token), permission: "tours.read" })).allowed).toBe(true); // warms the isolate's cache
      const { env: counted, counts } = countingEnv();
      expect((await authorize({ authorization: bearer(token), permission: "tours.read" }, counted)).allowed).toBe(true);
      expect(counts).toEqual({ d1: 0, kv: 0 });
    }
  });

  it("a malformed credential touches neither KV nor D1", async () => {
    const { env: counted, counts } = countingEnv();
    expect((await authorize({ authorization: "Bearer ork_nonsense" }, counted)).status).toBe(401);
    expect(counts).toEqual({ d1: 0, kv: 0 });
  });

  it("the counting env does count: a cold unknown key reads KV and D1", async () => {
    const { env: counted, counts } = countingEnv();
    expect((await authorize({ authorization: bearer(mintToken("apiKey")) }, counted)).status).toBe(401);
    expect(counts.kv).toBeGreaterThan(0);
    expect(counts.d1).toBeGreaterThan(0);
  });
});
