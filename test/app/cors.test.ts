import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { call, expectProblem, get } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";

const APP = "https://app.example.com";
const ADMIN = "https://admin.example.com:8443";
/** CORS_ORIGINS as an operator would write it: a list with spaces. */
const corsEnv = { ...(env as Env), CORS_ORIGINS: `${APP}, ${ADMIN}` } as Env;

const preflight = (origin: string, options: { env?: Env; path?: string } = {}) =>
  call("OPTIONS", options.path ?? "/api/organizations/me", {
    env: options.env ?? corsEnv,
    headers: { origin, "access-control-request-method": "PATCH", "access-control-request-headers": "authorization, content-type" },
  });

/** Every Access-Control-* header of a response. */
const corsHeaders = (headers: Headers) => [...headers].filter(([name]) => name.startsWith("access-control-"));

describe("CORS on /api/*", () => {
  it("answers a preflight from a listed origin with 204 and the allowed methods and headers", async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")!.split(",").sort()).toEqual(["DELETE", "GET", "PATCH", "POST", "PUT"]);
    expect(res.headers.get("access-control-allow-headers")!.split(",")).toEqual([
      "authorization",
      "content-type",
      "idempotency-key",
      "x-request-id",
      "x-d1-bookmark",
    ]);
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("matches every listed origin exactly, port included", async () => {
    expect((await preflight(ADMIN)).headers.get("access-control-allow-origin")).toBe(ADMIN);
    expect(corsHeaders((await preflight("https://admin.example.com")).headers)).toEqual([]);
    expect(corsHeaders((await preflight("http://app.example.com")).headers)).toEqual([]);
    expect(corsHeaders((await preflight(`${APP}.evil.test`)).headers)).toEqual([]);
  });

  it("answers a preflight from an unlisted origin with a bare 204: no CORS header, not a 405", async () => {
    const res = await preflight("https://evil.example");
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(corsHeaders(res.headers)).toEqual([]);
    expect(res.headers.get("vary")).toBe("Origin");
  });

  it("gives a real request from a listed origin the origin, credentials and exposed headers", async () => {
    const res = await get("/api/health", { env: corsEnv, headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-expose-headers")!.split(",")).toEqual([
      "X-Request-Id",
      "X-Client-Request-Id",
      "Retry-After",
      "Idempotent-Replayed",
      "x-d1-bookmark",
    ]);
    expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("lets a browser read an error too: a 401 from a listed origin carries the CORS headers", async () => {
    const res = await get("/api/organizations/me", { env: corsEnv, headers: { origin: APP } });
    expectProblem(res, 401, "unauthenticated");
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
  });

  it("works with a bearer API key from a listed origin", async () => {
    const admin = await signUp();
    const { key } = await createKey(admin.token, "Member");
    const res = await get("/api/organizations/me", { env: corsEnv, token: key, headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(admin.organization.id);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("gives a real request from an unlisted origin no CORS header (the handler still runs)", async () => {
    const res = await get("/api/health", { env: corsEnv, headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res.headers)).toEqual([]);
    expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("allows no origin at all when CORS_ORIGINS is empty (the default)", async () => {
    expect(env.CORS_ORIGINS).toBe("");
    const request = await get("/api/health", { headers: { origin: APP } });
    expect(request.status).toBe(200);
    expect(corsHeaders(request.headers)).toEqual([]);
    expect(request.headers.get("vary")).toBeNull();

    const res = await preflight(APP, { env: env as Env });
    expect(res.status).toBe(204);
    expect(corsHeaders(res.headers)).toEqual([]);
  });

  it("leaves an OPTIONS request that is not a preflight to the 405 handler", async () => {
    const res = await call("OPTIONS", "/api/organizations/me", { env: corsEnv });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, PATCH");
  });

  it("does not apply outside /api/*", async () => {
    const res = await call("GET", "/docs/errors", { env: corsEnv, headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res.headers)).toEqual([]);
  });
});
