import { describe, expect, it } from "vitest";
import { assertContract } from "../helpers/contract";
import { call, get } from "../helpers/api";

/**
 * The contract check that runs inside every `call()` (test/helpers/contract.ts): it must catch each
 * kind of drift between a response and the served document, and pass what the document allows.
 */
const json = (status: number, body: unknown, headers: Record<string, string> = {}, type = "application/json") => {
  const text = JSON.stringify(body);
  return { status, body, text, headers: new Headers({ "content-type": type, "x-request-id": "req_test", ...headers }) };
};
const organization = {
  id: "org_1",
  name: "Sunset",
  logo: null,
  timezone: "UTC",
  requireMfa: false,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};
const problem = (status: number, code: string) => ({
  type: `/docs/errors#${code}`,
  title: "t",
  status,
  detail: "d",
  code,
  requestId: "req_test",
});

describe("the contract check on every call()", () => {
  it("passes a documented status with a body matching its schema", async () => {
    await expect(assertContract("GET", "/api/organizations/me", json(200, organization))).resolves.toBeUndefined();
  });

  it("fails an undocumented status, naming the operation", async () => {
    await expect(
      assertContract("GET", "/api/organizations/me", json(409, problem(409, "conflict"), {}, "application/problem+json")),
    ).rejects.toThrow(/GET \/api\/organizations\/me → 409: getCurrentOrganization does not document 409/);
  });

  it("fails a body that breaks the schema, with ajv's errors", async () => {
    await expect(assertContract("GET", "/api/organizations/me", json(200, { ...organization, logo: 7 }))).rejects.toThrow(
      /\/logo must be string/,
    );
    const { timezone: _, ...missing } = organization;
    await expect(assertContract("GET", "/api/organizations/me", json(200, missing))).rejects.toThrow(
      /must have required property 'timezone'/,
    );
  });

  it("fails a wrong content type, a missing required header, and a body where none is documented", async () => {
    await expect(assertContract("GET", "/api/organizations/me", json(200, organization, {}, "text/plain"))).rejects.toThrow(
      /got content-type text\/plain/,
    );
    const withoutId = json(200, organization);
    withoutId.headers.delete("x-request-id");
    await expect(assertContract("GET", "/api/organizations/me", withoutId)).rejects.toThrow(/must carry the header X-Request-Id/);
    await expect(assertContract("DELETE", "/api/organizations/roles/role_1", json(204, {}))).rejects.toThrow(/documents no body/);
  });

  it("holds a 405 on a known path to the documented 405 (with Allow), and an unknown /api/ path to a problem 404", async () => {
    const notAllowed = json(405, problem(405, "method_not_allowed"), {}, "application/problem+json");
    await expect(assertContract("DELETE", "/api/organizations/me", notAllowed)).rejects.toThrow(/must carry the header Allow/);
    notAllowed.headers.set("allow", "GET, PATCH");
    await expect(assertContract("DELETE", "/api/organizations/me", notAllowed)).resolves.toBeUndefined();
    await expect(assertContract("DELETE", "/api/organizations/me", json(200, organization))).rejects.toThrow(/has no DELETE operation/);
    await expect(assertContract("GET", "/api/nowhere", json(200, {}))).rejects.toThrow(/not in the document/);
  });

  it("checks real answers: a 405 and a 401 from the worker pass, and opting out needs a reason", async () => {
    expect((await call("DELETE", "/api/organizations/me")).status).toBe(405);
    expect((await get("/api/auth/session")).status).toBe(401);
    await expect(call("GET", "/api/health", { skipContract: "" })).rejects.toThrow(/skipContract needs a reason/);
  });
});
