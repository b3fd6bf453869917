import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, patch, post, type ApiResponse } from "../helpers/api";
import { addMember, createRole, seedOrganization, uniqueEmail } from "../helpers/factories";

/** Each bad character sits inside the value: `trim()` would quietly remove some of them at the ends. */
const BAD: Record<string, string> = {
  "CR/LF": "Evil\r\nBcc: x@y",
  TAB: "Evil\tName",
  NUL: "Evil\u0000Name",
  "U+0085 (NEL)": "Evil\u0085Name",
  "U+202E (RLO)": "Evil\u202Egnp.exe",
  "U+2066 (LRI)": "Evil\u2066Name",
  "U+200B (ZWSP)": "Ad\u200Bmin",
  "U+FEFF": "Evil\uFEFFName",
  "U+2060 (WJ)": "Evil\u2060Name",
};
const CASES = Object.entries(BAD);

function expectFieldRejected(res: ApiResponse<unknown>, field: string, label: string) {
  if (res.status !== 400) throw new Error(`${label}: expected 400, got ${res.status} ${res.text}`);
  const problem = expectProblem(res, 400, "validation_failed");
  expect(
    problem.errors?.map((e) => e.path),
    label,
  ).toContain(field);
}

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;
const orgName = async (id: string) =>
  (await env.DB.prepare("SELECT name FROM organizations WHERE id = ?").bind(id).first<{ name: string }>())!.name;

describe("human-entered text refuses control, bidi and zero-width characters", () => {
  it("sign-up name and organizationName: 400 naming the field, and no user is created", async () => {
    for (const [label, value] of CASES) {
      for (const field of ["name", "organizationName"]) {
        const email = uniqueEmail("clean");
        const body = { email, password: "a-strong-password", name: "Clean Name", organizationName: "Clean Org", [field]: value };
        expectFieldRejected(await post("/api/auth/sign-up", body), field, `${field} ${label}`);
        expect(await count("SELECT count(*) AS n FROM users WHERE email = ?", email), `${field} ${label}`).toBe(0);
      }
    }
  });

  it("PATCH /api/organizations/me name: 400 and the name unchanged", async () => {
    const owner = await seedOrganization("Steady Name");
    for (const [label, value] of CASES) {
      expectFieldRejected(await patch("/api/organizations/me", { name: value }, { token: owner.token }), "name", label);
    }
    expect(await orgName(owner.organization.id)).toBe("Steady Name");
  });

  it("role name and description: 400 and no role row", async () => {
    const owner = await seedOrganization();
    for (const [label, value] of CASES) {
      expectFieldRejected(
        await post("/api/organizations/roles", { name: value, permissions: ["users.read"] }, { token: owner.token }),
        "name",
        label,
      );
      const desc = await post(
        "/api/organizations/roles",
        { name: "Fine Name", description: value, permissions: ["users.read"] },
        { token: owner.token },
      );
      expectFieldRejected(desc, "description", label);
    }
    expect(await count("SELECT count(*) AS n FROM roles WHERE organization_id = ?", owner.organization.id)).toBe(0);
  });

  it("renaming a role or changing its description to bad text: 400 and the role unchanged", async () => {
    const owner = await seedOrganization();
    const role = await createRole(owner.token, "Guide", ["users.read"], "Leads tours");
    for (const [label, value] of CASES) {
      expectFieldRejected(await patch(`/api/organizations/roles/${role.id}`, { name: value }, { token: owner.token }), "name", label);
      expectFieldRejected(
        await patch(`/api/organizations/roles/${role.id}`, { description: value }, { token: owner.token }),
        "description",
        label,
      );
    }
    const row = await env.DB.prepare("SELECT name, description FROM roles WHERE id = ?").bind(role.id).first();
    expect(row).toEqual({ name: "Guide", description: "Leads tours" });
  });

  it("API key name: 400 and no key row", async () => {
    const owner = await seedOrganization();
    for (const [label, value] of CASES) {
      expectFieldRejected(
        await post("/api/organizations/api-keys", { name: value, role: "Member" }, { token: owner.token }),
        "name",
        label,
      );
    }
    expect(await count("SELECT count(*) AS n FROM api_keys WHERE organization_id = ?", owner.organization.id)).toBe(0);
  });

  it("Super Admin PATCH /api/organizations/{id} name: 400 and the name unchanged", async () => {
    const home = await seedOrganization("Platform Home");
    const staff = await addMember(home.organization.id, "member", "staff");
    await env.DB.prepare("UPDATE users SET is_super_admin = 1 WHERE id = ?").bind(staff.user.id).run();
    const target = await seedOrganization("Target Name");
    for (const [label, value] of CASES) {
      expectFieldRejected(
        await patch(`/api/organizations/${target.organization.id}`, { name: value }, { token: staff.token }),
        "name",
        label,
      );
    }
    expect(await orgName(target.organization.id)).toBe("Target Name");
    // Control: a clean name goes through the same route.
    expect((await patch(`/api/organizations/${target.organization.id}`, { name: "Clean Target" }, { token: staff.token })).status).toBe(
      200,
    );
    expect(await orgName(target.organization.id)).toBe("Clean Target");
  });
});

describe("names are stored NFC", () => {
  it("a decomposed organization name is stored and returned composed", async () => {
    const owner = await seedOrganization();
    const res = await patch("/api/organizations/me", { name: "Cafe\u0301" }, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("Caf\u00e9");
    expect(await orgName(owner.organization.id)).toBe("Caf\u00e9");
  });

  it("a decomposed sign-up name, organization name and role name are stored composed", async () => {
    const res = await post("/api/auth/sign-up", {
      email: uniqueEmail("nfc"),
      password: "a-strong-password",
      name: "Jose\u0301",
      organizationName: "Cafe\u0301 Tours",
    });
    expect(res.status).toBe(201);
    expect(res.body.user.name).toBe("Jos\u00e9");
    expect(res.body.organization.name).toBe("Caf\u00e9 Tours");
    const user = await env.DB.prepare("SELECT name FROM users WHERE id = ?").bind(res.body.user.id).first<{ name: string }>();
    expect(user!.name).toBe("Jos\u00e9");
    expect(await orgName(res.body.organization.id)).toBe("Caf\u00e9 Tours");

    const role = await post(
      "/api/organizations/roles",
      { name: "Cafe\u0301 Crew", permissions: ["users.read"] },
      { token: res.body.session.token },
    );
    expect(role.status).toBe(201);
    expect(role.body.name).toBe("Caf\u00e9 Crew");
    const row = await env.DB.prepare("SELECT name FROM roles WHERE id = ?").bind(role.body.id).first<{ name: string }>();
    expect(row!.name).toBe("Caf\u00e9 Crew");
  });
});

describe("role names are compared by their confusable skeleton", () => {
  const roleCount = (orgId: string) => count("SELECT count(*) AS n FROM roles WHERE organization_id = ?", orgId);

  it("look-alikes of Admin are reserved: Cyrillic, fullwidth, upper case, trailing space", async () => {
    const owner = await seedOrganization();
    for (const name of ["\u0410dmin", "\uFF21dmin", "ADMIN", "admin ", "Admin"]) {
      const res = await post("/api/organizations/roles", { name, permissions: ["users.read"] }, { token: owner.token });
      if (res.status !== 409) throw new Error(`${JSON.stringify(name)}: expected 409, got ${res.status} ${res.text}`);
      expectProblem(res, 409, "role_name_reserved");
    }
    expect(await roleCount(owner.organization.id)).toBe(0);
  });

  it("a look-alike of Member is reserved, while exactly Member creates a shadow", async () => {
    const owner = await seedOrganization();
    expectProblem(
      await post("/api/organizations/roles", { name: "\u041C\u0435mber", permissions: ["users.read"] }, { token: owner.token }),
      409,
      "role_name_reserved",
    );
    expectProblem(
      await post("/api/organizations/roles", { name: "M\u0435mber", permissions: ["users.read"] }, { token: owner.token }),
      409,
      "role_name_reserved",
    );
    expect(await roleCount(owner.organization.id)).toBe(0);

    const shadow = await post("/api/organizations/roles", { name: "Member", permissions: ["users.read"] }, { token: owner.token });
    expect(shadow.status).toBe(201);
    expect(shadow.body.shadows).toBe(true);
    expect(await roleCount(owner.organization.id)).toBe(1);
  });

  it("a look-alike of an existing custom role is taken", async () => {
    const owner = await seedOrganization();
    await createRole(owner.token, "Guide", ["users.read"]);
    expectProblem(
      await post("/api/organizations/roles", { name: "Gu\u0456de", permissions: ["users.read"] }, { token: owner.token }),
      409,
      "role_name_taken",
    );
    expectProblem(
      await post("/api/organizations/roles", { name: "GUIDE", permissions: ["users.read"] }, { token: owner.token }),
      409,
      "role_name_taken",
    );
    expect(await roleCount(owner.organization.id)).toBe(1);
  });

  it("renaming a custom role to a look-alike of Admin is reserved and leaves the name as it was", async () => {
    const owner = await seedOrganization();
    const role = await createRole(owner.token, "Scout", ["users.read"]);
    for (const name of ["\u0410dmin", "\uFF21dmin", "ADMIN"]) {
      expectProblem(await patch(`/api/organizations/roles/${role.id}`, { name }, { token: owner.token }), 409, "role_name_reserved");
    }
    const row = await env.DB.prepare("SELECT name FROM roles WHERE id = ?").bind(role.id).first<{ name: string }>();
    expect(row!.name).toBe("Scout");
  });
});

describe("a JSON body that is not valid UTF-8", () => {
  it("is a 400 invalid_json and changes nothing", async () => {
    const owner = await seedOrganization("Utf8 Tours");
    // {"name":"\xff\xfe"}
    const raw = new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await call("PATCH", "/api/organizations/me", { token: owner.token, raw, headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "invalid_json");
    expect(await orgName(owner.organization.id)).toBe("Utf8 Tours");
  });
});
