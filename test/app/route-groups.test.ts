import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { appFor, createApp, type App } from "../../src/app";
import type { Env } from "../../src/env";
import { patternMatcher, ROUTE_GROUPS } from "../../src/routes/groups";
import { createRouter } from "../../src/routes/router";
import { freshIp } from "../helpers/api";

/**
 * The HTTP app is built group by group (src/app.ts `appFor`, src/routes/groups.ts): a request runs
 * in an app of only the groups its path can match. These tests hold it to answering exactly as the
 * whole app does — the same routes, the same 404 and 405 — and to serving the same document.
 */

const development = env as Env;
const production = { ...development, ENVIRONMENT: "production" } as Env;
const unique = (values: string[]) => [...new Set(values)].sort();

/** A concrete path a pattern matches (its params filled in). */
const concrete = (pattern: string) =>
  pattern
    .replace(/\/\*$/, "/x")
    .replace(/:[^/{]+\{org_[^}]*\}\}?/g, "org_00000000000000000000000000")
    .replace(/:[^/{]+(?=\/|$)/g, "x_1");

async function answer(app: App, method: string, path: string, served: Env) {
  const request = new Request(`http://localhost${path}`, {
    method,
    headers: { "cf-connecting-ip": freshIp(), accept: "application/json" },
  });
  const ctx = createExecutionContext();
  const response = await app.fetch(request, served, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  const code = /"code":"([a-z_]+)"/.exec(text)?.[1];
  return `${response.status} ${code ?? "-"} allow=${response.headers.get("allow") ?? "-"} ${response.headers.get("content-type") ?? "-"}`;
}

describe("route groups, built on first use", () => {
  it("declare exactly the paths their routes are registered at", async () => {
    for (const group of ROUTE_GROUPS) {
      const app = createRouter();
      (await group.load())(app, { development: true });
      expect(unique(group.paths as string[]), group.name).toEqual(unique(app.routes.map((r) => r.path)));
      for (const path of group.paths) expect(patternMatcher(path).test(concrete(path)), path).toBe(true);
    }
  });

  it("a request's app holds every route that can match its path: the whole app's, in the same order", async () => {
    const whole = await createApp(development);
    for (const route of whole.routes) {
      const path = concrete(route.path);
      const app = await appFor(new Request(`http://localhost${path}`), development);
      // Every route whose pattern can match the path (widely: patternMatcher errs wide), in order.
      const matching = (routes: App["routes"]) =>
        routes.filter((r) => patternMatcher(r.path).test(path)).map((r) => `${r.method} ${r.path}`);
      expect(matching(app.routes), path).toEqual(matching(whole.routes));
      expect(matching(app.routes), path).toContain(`${route.method} ${route.path}`);
    }
  });

  it("answers as the whole app does, 404 and 405 included, in every environment", async () => {
    for (const served of [development, production]) {
      const whole = await createApp(served);
      const paths = unique([
        ...whole.routes.map((r) => concrete(r.path)),
        ...whole.routes.map((r) => `${concrete(r.path)}/`),
        "/api/dev/outbox",
        "/api/nope",
        "/api/organizations/me/nope",
        "/api/organizations/org_00000000000000000000000000/nope",
        "/nope",
        "/docs",
      ]);
      for (const path of paths) {
        for (const method of ["GET", "PUT", "DELETE"]) {
          const lazy = await appFor(new Request(`http://localhost${path}`, { method }), served);
          expect(await answer(lazy, method, path, served), `${served.ENVIRONMENT} ${method} ${path}`).toBe(
            await answer(whole, method, path, served),
          );
        }
      }
    }
  });

  it("builds only what the request needs: GET /api/organizations/me, the current organization's routes", async () => {
    const app = await appFor(new Request("http://localhost/api/organizations/me"), production);
    const routes = unique(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path));
    expect(routes).toEqual(unique([...ROUTE_GROUPS.find((g) => g.name === "current-organization")!.paths]));
    // An unknown path needs no group: the 404 comes from the middleware and the route-less table.
    const none = await appFor(new Request("http://localhost/api/nope"), production);
    expect(none.routes.filter((r) => r.method !== "ALL")).toEqual([]);
    expect(await answer(none, "GET", "/api/nope", production)).toMatch(/^404 not_found allow=- application\/problem\+json/);
  });

  it("serves the same document whether other groups were built first or not", async () => {
    const documentAfter = async (before: string[]) => {
      vi.resetModules();
      const { default: worker } = await import("../../src/index");
      const fetch = async (path: string) => {
        const ctx = createExecutionContext();
        const response = await worker.fetch(
          new Request(`http://localhost${path}`, { headers: { "cf-connecting-ip": freshIp() } }),
          production,
          ctx,
        );
        await waitOnExecutionContext(ctx);
        return response;
      };
      for (const path of before) await (await fetch(path)).text();
      const response = await fetch("/api/openapi.json");
      expect(response.status).toBe(200);
      return response.text();
    };
    const fresh = await documentAfter([]);
    const afterRequests = await documentAfter([
      "/api/organizations/me",
      "/api/health",
      "/",
      "/docs/errors",
      "/api/organizations/webhooks",
      "/nope",
    ]);
    expect(afterRequests).toBe(fresh);
    expect(JSON.parse(fresh).paths["/api/organizations/me"]).toBeDefined();
  });
});
