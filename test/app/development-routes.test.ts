import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createApp } from "../../src/app";
import { call, expectProblem, servedDocument } from "../helpers/api";

/**
 * The development helpers (/api/dev/outbox holds every emailed link, reset links included) are
 * routes only under ENVIRONMENT=development: anywhere else they are not registered at all, so they
 * are a 404 like any unknown path and absent from the served document.
 */

const DEV_PATHS = ["/api/dev/outbox", "/api/dev/calibrate"];
const production = { ...(env as Env), ENVIRONMENT: "production" } as Env;
const staging = { ...(env as Env), ENVIRONMENT: "staging" } as Env;

describe("development routes", () => {
  it("exist in development: the outbox and the calibration answer, and the document lists them", async () => {
    expect(env.ENVIRONMENT).toBe("development");
    const outbox = await call("GET", "/api/dev/outbox?to=nobody@example.com");
    expect(outbox.status).toBe(200);
    expect(outbox.body).toEqual({ data: [] });
    expect((await call("GET", "/api/dev/calibrate")).body).toEqual({ ok: true });
    const doc = await servedDocument();
    for (const path of DEV_PATHS) expect(Object.keys(doc.paths)).toContain(path);
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain("Development");
  });

  for (const [label, served] of [
    ["production", production],
    ["any other environment (staging)", staging],
  ] as const) {
    it(`are not routes in ${label}: a 404 like any unknown path, under every method`, async () => {
      for (const path of DEV_PATHS) {
        const problem = expectProblem(await call("GET", `${path}?to=nobody@example.com`, { env: served }), 404, "not_found");
        expect(problem.detail).toBe(`No route for GET ${path}.`);
        // Not a 405 either: nothing at the path answers any method.
        expectProblem(await call("POST", path, { env: served, body: {} }), 404, "not_found");
      }
    });

    it(`are absent from the document served in ${label}, with their tag`, async () => {
      const doc = await servedDocument(served);
      const paths = Object.keys(doc.paths);
      expect(paths.length).toBeGreaterThan(30);
      for (const path of DEV_PATHS) expect(paths).not.toContain(path);
      expect(paths.some((p) => p.startsWith("/api/dev/"))).toBe(false);
      expect(doc.tags.map((t) => t.name)).not.toContain("Development");
      expect(JSON.stringify(doc)).not.toMatch(/listDevOutbox|"Outbox"|"Calibrate"/);
    });
  }

  it("createApp registers them only for development", async () => {
    // Hono lists each handler of a route (its middleware too): one entry per method and path.
    const devRoutes = async (environment: string) => [
      ...new Set(
        (await createApp({ ENVIRONMENT: environment })).routes
          .filter((r) => r.path.startsWith("/api/dev/"))
          .map((r) => `${r.method} ${r.path}`),
      ),
    ];
    expect((await devRoutes("development")).sort()).toEqual(["GET /api/dev/calibrate", "GET /api/dev/outbox"]);
    expect(await devRoutes("production")).toEqual([]);
  });
});
