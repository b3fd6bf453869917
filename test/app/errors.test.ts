import { describe, expect, it } from "vitest";
import { call, envWithFailingQueries, expectProblem, get } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";

describe("errors and request ids", () => {
  it("an unknown route is a problem+json 404", async () => {
    const res = await call("GET", "/api/nope");
    expect(expectProblem(res, 404, "not_found").detail).toBe("No route for GET /api/nope.");
  });

  it("a known path with the wrong method is a 405 with Allow", async () => {
    const res = await call("DELETE", "/api/organizations/me");
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, PATCH");
  });

  it("every response carries the server's own X-Request-Id, and a problem body the same id", async () => {
    const ok = await get("/api/health");
    expect(ok.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
    const error = await get("/api/organizations/me", { headers: { "x-request-id": "trace-1" } });
    expect(error.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
    expect(expectProblem(error, 401, "unauthenticated").requestId).toBe(error.headers.get("x-request-id"));
    expect(error.headers.get("x-client-request-id")).toBe("trace-1");
  });

  /** The env with a D1 whose every query fails with `message` (the key below is cold, so auth reads D1). */
  const envWithFailingDb = (message: string) => envWithFailingQueries(() => true, message);

  it("a storage outage is a 503 with Retry-After", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const res = await call("GET", "/api/organizations/api-keys", {
      token: key.key,
      env: envWithFailingDb("D1_ERROR: Network connection lost."),
    });
    expectProblem(res, 503, "service_unavailable");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.text).not.toContain("Network connection lost");
  });

  it("an unexpected failure is a 500 that reveals nothing internal", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const res = await call("GET", "/api/organizations/api-keys", {
      token: key.key,
      env: envWithFailingDb("SQLITE_CORRUPT: secret table api_keys at /var/db"),
    });
    const problem = expectProblem(res, 500, "internal_error");
    expect(res.text).not.toMatch(/SQLITE|api_keys|\/var\/db|at /);
    expect(problem.requestId).toBe(res.headers.get("x-request-id"));
  });
});
