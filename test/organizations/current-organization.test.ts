import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, get, patch, offDocument } from "../helpers/api";
import { addMember, signUp } from "../helpers/factories";
import type { Problem } from "../helpers/document";
import { permissionCatalog } from "../../src/domain/permissions";
import type { Env } from "../../src/env";

describe("the current organization", () => {
  it("sign-up → session → GET /me → PATCH /me → GET /me shows the change", async () => {
    const owner = await signUp({ organizationName: "Sunrise Walks" });
    const before = await get("/api/organizations/me", { token: owner.token });
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      id: owner.organization.id,
      name: "Sunrise Walks",
      logo: null,
      timezone: "UTC",
      requireMfa: false,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });

    const updated = await patch(
      "/api/organizations/me",
      { name: "  Sunset Tours  ", logo: "https://cdn.example.com/sunset.png", timezone: "America/Los_Angeles" },
      { token: owner.token },
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: "Sunset Tours",
      logo: "https://cdn.example.com/sunset.png",
      timezone: "America/Los_Angeles",
    });

    const after = await get("/api/organizations/me", { token: owner.token });
    expect(after.body).toMatchObject({ id: owner.organization.id, name: "Sunset Tours", timezone: "America/Los_Angeles" });
    expect(Date.parse(after.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.body.updatedAt));

    const cleared = await patch("/api/organizations/me", { logo: null }, { token: owner.token });
    expect(cleared.body.logo).toBeNull();
  });

  it("a Member cannot PATCH the organization (403) and nothing changes", async () => {
    const owner = await signUp({ organizationName: "Only Admins Edit" });
    const member = await addMember(owner.organization.id, "member");
    const res = await patch("/api/organizations/me", { name: "Hijacked" }, { token: member.token });
    expectProblem(res, 403, "forbidden");
    const org = await get("/api/organizations/me", { token: member.token });
    expect(org.body.name).toBe("Only Admins Edit");
  });

  describe("bad input gets a problem+json error and changes nothing", () => {
    const cases: {
      name: string;
      send: (token: string) => Promise<Awaited<ReturnType<typeof call>>>;
      status: number;
      code: Problem["code"];
      path?: string;
    }[] = [
      {
        name: "an unknown time zone",
        send: (t) => patch("/api/organizations/me", { timezone: "Mars/Olympus" }, { token: t }),
        status: 400,
        code: "validation_failed",
        path: "timezone",
      },
      {
        name: "a javascript: logo",
        send: (t) => patch("/api/organizations/me", { logo: "javascript:alert(1)" }, { token: t }),
        status: 400,
        code: "validation_failed",
        path: "logo",
      },
      {
        name: "a relative logo",
        send: (t) => patch("/api/organizations/me", { logo: "/logo.png" }, { token: t }),
        status: 400,
        code: "validation_failed",
        path: "logo",
      },
      {
        name: "an empty name",
        send: (t) => patch("/api/organizations/me", { name: "   " }, { token: t }),
        status: 400,
        code: "validation_failed",
        path: "name",
      },
      {
        name: "a 101-character name",
        send: (t) => patch("/api/organizations/me", { name: "x".repeat(101) }, { token: t }),
        status: 400,
        code: "validation_failed",
        path: "name",
      },
      {
        name: "a wrong type",
        send: (t) => patch("/api/organizations/me", offDocument({ name: 42 }), { token: t }),
        status: 400,
        code: "validation_failed",
        path: "name",
      },
      {
        name: "an unknown field",
        send: (t) => patch("/api/organizations/me", offDocument({ name: "Fine", id: "org_other" }), { token: t }),
        status: 400,
        code: "validation_failed",
        path: "(body)",
      },
      {
        name: "a JSON array",
        send: (t) => patch("/api/organizations/me", offDocument(["name"]), { token: t }),
        status: 400,
        code: "validation_failed",
      },
      {
        name: "a 200 KB body",
        send: (t) => patch("/api/organizations/me", offDocument({ name: "Fine", padding: "x".repeat(200 * 1024) }), { token: t }),
        status: 413,
        code: "payload_too_large",
      },
      {
        name: "a form body",
        send: (t) =>
          call("PATCH", "/api/organizations/me", {
            token: t,
            raw: "name=Hijacked",
            headers: { "content-type": "application/x-www-form-urlencoded" },
          }),
        status: 415,
        code: "unsupported_media_type",
      },
      {
        name: "malformed JSON",
        send: (t) =>
          call("PATCH", "/api/organizations/me", { token: t, raw: '{"name": "Hij', headers: { "content-type": "application/json" } }),
        status: 400,
        code: "invalid_json",
      },
    ];

    for (const c of cases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const owner = await signUp({ organizationName: "Steady Org" });
        const rowBefore = await env.DB.prepare("SELECT * FROM organizations WHERE id = ?").bind(owner.organization.id).first();
        const problem = expectProblem(await c.send(owner.token), c.status, c.code);
        expect(problem).toMatchObject({
          status: c.status,
          type: expect.stringContaining(c.code),
          title: expect.any(String),
          requestId: expect.any(String),
        });
        if (c.path) expect(problem.errors?.map((e) => e.path)).toContain(c.path);
        const rowAfter = await env.DB.prepare("SELECT * FROM organizations WHERE id = ?").bind(owner.organization.id).first();
        expect(rowAfter).toEqual(rowBefore);
      });
    }
  });

  it("an unknown field is named in the error", async () => {
    const owner = await signUp();
    const problem = expectProblem(
      await patch("/api/organizations/me", offDocument({ isSuperAdmin: true }), { token: owner.token }),
      400,
      "validation_failed",
    );
    expect(problem.detail).toContain("isSuperAdmin");
  });

  it("GET /me/permissions lists the whole catalog for the caller's role", async () => {
    const owner = await signUp();
    const admin = await get("/api/organizations/me/permissions", { token: owner.token });
    expect(admin.status).toBe(200);
    expect(admin.body.role).toEqual({ id: "role_system_admin", name: "Admin", source: "system" });
    expect(Object.keys(admin.body.permissions).sort()).toEqual(
      [
        "api_keys.create",
        "api_keys.delete",
        "api_keys.read",
        "api_keys.update",
        "audit_logs.read",
        "roles.create",
        "roles.delete",
        "roles.read",
        "roles.update",
        "users.delete",
        "users.invite",
        "users.read",
        "users.update",
        "webhooks.create",
        "webhooks.delete",
        "webhooks.read",
        "webhooks.update",
        // The platform's (PLATFORM_PERMISSIONS, development list: test/platform/platform-permissions.test.ts).
        "tours.read",
        "tours.write",
        "bookings.read",
        "bookings.refund",
      ].sort(),
    );
    expect(Object.values(admin.body.permissions).every((v) => v === true)).toBe(true);

    const member = await addMember(owner.organization.id, "member");
    const res = await get("/api/organizations/me/permissions", { token: member.token });
    expect(res.body.role).toEqual({ id: "role_system_member", name: "Member", source: "system" });
    const granted = Object.entries(res.body.permissions)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .sort();
    expect(granted).toEqual(["bookings.read", "roles.read", "tours.read", "users.read"]);
    expect(Object.keys(res.body.permissions)).toHaveLength(permissionCatalog(env as Env).all.length);
  });
});
