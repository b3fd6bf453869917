import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { setLogSink } from "../../src/lib/log";
import { PERMISSIONS } from "../../src/domain/permissions";
import { call, expectProblem, get, servedDocument } from "../helpers/api";
import type { Schemas } from "../helpers/document";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";

/** Untyped body: the platform's permissions are in the served (development) document, not the generated types. */
const postRole = (token: string, body: { name: string; permissions: string[] }) =>
  call("POST", "/api/organizations/roles", { token, body });

// The tests run with the development list (scripts/lib/dev-vars.mjs).
const PLATFORM = ["tours.read", "tours.write", "bookings.read", "bookings.refund"];
const grantedOf = (body: any) =>
  Object.entries(body.permissions)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .sort();

describe("platform permissions (PLATFORM_PERMISSIONS)", () => {
  it("the environment the tests run in declares the development list", () => {
    expect((env as Env).PLATFORM_PERMISSIONS).toBe(PLATFORM.join(","));
  });

  it("a custom role may grant them, and its holder's permission map shows them", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", ["users.read", "tours.read", "tours.write"]);
    expect(guide.permissions).toEqual(["users.read", "tours.read", "tours.write"]);
    const holder = await addMember(owner.organization.id, "guide", "guide");

    const res = await get("/api/organizations/me/permissions", { token: holder.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.permissions)).toEqual([...PERMISSIONS, ...PLATFORM]);
    expect(grantedOf(res.body)).toEqual(["tours.read", "tours.write", "users.read"]);
  });

  it("Admin holds all of them; Member the .read ones", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    const admin = await get("/api/organizations/me/permissions", { token: owner.token });
    expect(grantedOf(admin.body)).toEqual([...PERMISSIONS, ...PLATFORM].sort());
    const asMember = await get("/api/organizations/me/permissions", { token: member.token });
    expect(grantedOf(asMember.body)).toEqual(["bookings.read", "roles.read", "tours.read", "users.read"]);

    const roles = await get("/api/organizations/roles", { token: owner.token });
    const byName = Object.fromEntries(roles.body.data.map((r: any) => [r.name, r]));
    expect(byName.Admin.permissions).toEqual([...PERMISSIONS, ...PLATFORM]);
    expect(byName.Member.permissions).toEqual(["users.read", "roles.read", "tours.read", "bookings.read"]);
  });

  it("no escalation: a role manager without tours.write cannot grant it, nor can a Member; nothing is created", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Role manager", ["roles.read", "roles.create", "tours.read"]);
    const manager = await addMember(owner.organization.id, "role manager", "manager");
    const member = await addMember(owner.organization.id, "member");

    const refused = expectProblem(
      await postRole(manager.token, { name: "Tour editor", permissions: ["tours.read", "tours.write"] }),
      403,
      "forbidden",
    );
    expect(refused.detail).toContain("tours.write");
    expectProblem(await postRole(member.token, { name: "Tour editor", permissions: ["tours.write"] }), 403, "forbidden");
    // What the manager holds, it may grant.
    expect((await postRole(manager.token, { name: "Tour reader", permissions: ["tours.read"] })).status).toBe(201);

    const roles = await get("/api/organizations/roles", { token: owner.token });
    expect(roles.body.data.map((r: any) => r.name)).not.toContain("Tour editor");
  });

  it("a name neither built in nor declared is a 400 listing it, and nothing is created", async () => {
    const owner = await signUp();
    const problem = expectProblem(
      await postRole(owner.token, { name: "Odd", permissions: ["tours.read", "tours.fly"] }),
      400,
      "validation_failed",
    );
    expect(problem.errors).toEqual([{ path: "permissions", message: "Unknown permission: tours.fly" }]);
    const roles = await get("/api/organizations/roles", { token: owner.token });
    expect(roles.body.data.map((r: any) => r.name)).not.toContain("Odd");
  });

  it("an API key acts with its role's platform permissions", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Bookings desk", ["bookings.read", "bookings.refund"]);
    const key = await createKey(owner.token, "Bookings desk");
    const res = await get("/api/organizations/me/permissions", { token: key.key });
    expect(grantedOf(res.body)).toEqual(["bookings.read", "bookings.refund"]);
  });

  it("removed from the list, a permission grants nothing; the role keeps it stored and its view says so", async () => {
    const owner = await signUp();
    const role = await createRole(owner.token, "Refunder", ["bookings.read", "bookings.refund"]);
    const holder = await addMember(owner.organization.id, "refunder", "refunder");
    const shorter = { ...(env as Env), PLATFORM_PERMISSIONS: "tours.read,tours.write,bookings.read" };
    const reason = "the served document under a shorter PLATFORM_PERMISSIONS differs from the one this file's contract loaded";

    const map = await call("GET", "/api/organizations/me/permissions", { token: holder.token, env: shorter, skipContract: reason });
    expect(map.status).toBe(200);
    const permissionMap = map.body as Schemas["PermissionsView"];
    expect(permissionMap.permissions).not.toHaveProperty("bookings.refund");
    expect(grantedOf(permissionMap)).toEqual(["bookings.read"]);

    const roles = await call("GET", "/api/organizations/roles", { token: owner.token, env: shorter, skipContract: reason });
    const view = (roles.body as Schemas["RoleList"]).data.find((r) => r.id === role.id);
    expect(view).toMatchObject({ permissions: ["bookings.read"], unknownPermissions: ["bookings.refund"] });
    // Listed again, it grants again: nothing was lost.
    const back = await get("/api/organizations/roles", { token: owner.token });
    expect(back.body.data.find((r: any) => r.id === role.id)).toMatchObject({
      permissions: ["bookings.read", "bookings.refund"],
      unknownPermissions: [],
    });

    // An edit of another field keeps the stored name; one that sets permissions sets exactly those.
    const renamed = await call("PATCH", `/api/organizations/roles/${role.id}`, {
      token: owner.token,
      env: shorter,
      body: { description: "Refunds" },
      skipContract: reason,
    });
    expect(renamed.status).toBe(200);
    expect((renamed.body as Schemas["Role"]).unknownPermissions).toEqual(["bookings.refund"]);
  });

  it("the served document lists them in the Permission enum and as keys of the permission map", async () => {
    const document = (await servedDocument()) as unknown as { components: { schemas: Record<string, any> } };
    expect(document.components.schemas.Permission.enum).toEqual([...PERMISSIONS, ...PLATFORM]);
    const map = document.components.schemas.PermissionsView.properties.permissions;
    expect(map.required).toEqual([...PERMISSIONS, ...PLATFORM]);
    expect(map.properties["bookings.refund"]).toEqual({ type: "boolean" });
    expect(map.additionalProperties).toBe(false);
  });

  for (const [label, value] of [
    ["upper case", "Tours.Read"],
    ["no action", "tours"],
    ["a built-in permission", "tours.read,users.read"],
    ["a built-in resource", "users.export"],
    ["listed twice", "tours.read,tours.read"],
    ["an empty item", "tours.read,,tours.write"],
  ] as const) {
    it(`a malformed list fails loudly (${label}): a 500 and a log line, no silently shorter catalog`, async () => {
      const owner = await signUp();
      const lines: string[] = [];
      setLogSink((_level, line) => void lines.push(line));
      const broken = { ...(env as Env), PLATFORM_PERMISSIONS: value };
      const res = await call("GET", "/api/organizations/me/permissions", {
        token: owner.token,
        env: broken,
        skipContract: "a 500 from a deliberately broken configuration",
      });
      expectProblem(res, 500, "internal_error");
      expect(lines.some((line) => line.includes("PLATFORM_PERMISSIONS is invalid"))).toBe(true);
      // The role routes fail the same way: nothing is created with a catalog the Worker cannot read.
      const create = await call("POST", "/api/organizations/roles", {
        token: owner.token,
        env: broken,
        body: { name: "Any", permissions: [] },
        skipContract: "a 500 from a deliberately broken configuration",
      });
      expect(create.status).toBe(500);
      const roles = await get("/api/organizations/roles", { token: owner.token });
      expect(roles.body.data.map((r: any) => r.name)).not.toContain("Any");
    });
  }
});
