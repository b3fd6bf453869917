import { describe, expect, it } from "vitest";
import { PERMISSIONS } from "../../src/services/permissions/catalog";
import { call } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";

/**
 * Every member and role endpoint × every kind of caller. Each case builds its own organization,
 * with a target that any caller allowed by the permission may act on (a holder of a role with no
 * permissions), so the only thing that varies is the caller.
 */
type Endpoint = { name: string; permission: string; okStatus: number; send: (token: string | undefined, fx: Fixture) => Promise<{ status: number }> };

interface Fixture {
  owner: Awaited<ReturnType<typeof signUp>>;
  targetMemberId: string;
  spareRoleId: string;
}

let seq = 0;
const endpoints: Endpoint[] = [
  { name: "GET members", permission: "users.read", okStatus: 200, send: (t) => call("GET", "/api/organizations/members", { token: t }) },
  {
    name: "PATCH member",
    permission: "users.update",
    okStatus: 200,
    send: (t, fx) => call("PATCH", `/api/organizations/members/${fx.targetMemberId}`, { token: t, body: { role: "Nobody Two" } }),
  },
  { name: "DELETE member", permission: "users.delete", okStatus: 204, send: (t, fx) => call("DELETE", `/api/organizations/members/${fx.targetMemberId}`, { token: t }) },
  { name: "GET roles", permission: "roles.read", okStatus: 200, send: (t) => call("GET", "/api/organizations/roles", { token: t }) },
  { name: "POST role", permission: "roles.create", okStatus: 201, send: (t) => call("POST", "/api/organizations/roles", { token: t, body: { name: `New ${seq++}`, permissions: [] } }) },
  { name: "PATCH role", permission: "roles.update", okStatus: 200, send: (t, fx) => call("PATCH", `/api/organizations/roles/${fx.spareRoleId}`, { token: t, body: { description: "edited" } }) },
  { name: "DELETE role", permission: "roles.delete", okStatus: 204, send: (t, fx) => call("DELETE", `/api/organizations/roles/${fx.spareRoleId}`, { token: t }) },
];

type Caller = { name: string; expect: (e: Endpoint) => number; token: (fx: Fixture, e: Endpoint) => Promise<string | undefined> };

const callers: Caller[] = [
  { name: "Admin session", expect: (e) => e.okStatus, token: async (fx) => fx.owner.token },
  {
    name: "Member session",
    expect: (e) => (["users.read", "roles.read"].includes(e.permission) ? e.okStatus : 403),
    token: async (fx) => (await addMember(fx.owner.organization.id, "member")).token,
  },
  {
    name: "custom role with exactly the permission",
    expect: (e) => e.okStatus,
    token: async (fx, e) => {
      await createRole(fx.owner.token, "Exact", [e.permission]);
      return (await addMember(fx.owner.organization.id, "exact")).token;
    },
  },
  {
    name: "custom role with every other permission",
    expect: () => 403,
    token: async (fx, e) => {
      await createRole(fx.owner.token, "Almost", PERMISSIONS.filter((p) => p !== e.permission));
      return (await addMember(fx.owner.organization.id, "almost")).token;
    },
  },
  {
    name: "API key with a role holding the permission",
    expect: (e) => e.okStatus,
    token: async (fx, e) => {
      await createRole(fx.owner.token, "Integration", [e.permission]);
      return (await createKey(fx.owner.token, "Integration")).key;
    },
  },
  { name: "no credential", expect: () => 401, token: async () => undefined },
];

async function fixture(): Promise<Fixture> {
  const owner = await signUp();
  await createRole(owner.token, "Nobody", []);
  await createRole(owner.token, "Nobody Two", []);
  const spare = await createRole(owner.token, "Spare", []);
  const target = await addMember(owner.organization.id, "nobody", "target");
  return { owner, targetMemberId: target.member.id, spareRoleId: spare.id };
}

describe("access matrix for members and roles", () => {
  for (const endpoint of endpoints) {
    describe(endpoint.name, () => {
      for (const caller of callers) {
        const expected = caller.expect(endpoint);
        it(`${caller.name} → ${expected}`, async () => {
          const fx = await fixture();
          const token = await caller.token(fx, endpoint);
          const res = await endpoint.send(token, fx);
          expect(res.status).toBe(expected);
        });
      }
    });
  }
});
