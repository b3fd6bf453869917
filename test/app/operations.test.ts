import { describe, expect, it } from "vitest";
import { z } from "../../src/lib/zod";
import { jsonBody, jsonResponse } from "../../src/lib/openapi";
import { errorHandler } from "../../src/middleware/error-handler";
import { publicRoute } from "../../src/routes/auth-modes";
import { contract } from "../../src/routes/contract";
import { ROUTE_GROUPS } from "../../src/routes/groups";
import { createRouter, defineOperation, type InputPart } from "../../src/routes/router";

/**
 * A group's operations (`*.operations.ts`, plain data) are what the router dispatches on; their
 * contracts (`*.routes.ts`, zod) are loaded only to validate a request or build the document
 * (src/routes/router.ts). These tests hold the two to each other and the loading to its promise.
 */

const INPUT_OF: Record<string, InputPart> = { query: "query", params: "param", headers: "header", body: "json" };

describe("operations and their contracts", () => {
  it("every operation declares exactly the input its contract validates, and the contract documents the operation", async () => {
    let count = 0;
    for (const group of ROUTE_GROUPS) {
      const app = createRouter();
      (await group.load())(app, { development: true });
      for (const { operation, contract: load } of app.documented) {
        const route = await load();
        const name = `${group.name} ${operation.operationId}`;
        const validated = Object.keys(route.request ?? {}).map((part) => INPUT_OF[part]);
        expect([...(operation.input ?? [])].sort(), name).toEqual(validated.sort());
        // Each export's contract is built from its own operation (not a neighbour's).
        expect({ method: route.method, path: route.path, operationId: route.operationId }, name).toEqual({
          method: operation.method,
          path: operation.path,
          operationId: operation.operationId,
        });
        count++;
      }
    }
    expect(count).toBeGreaterThan(60);
  });

  it("a route without input never loads its contract; one with input loads it on its first request, once", async () => {
    const operations = {
      ping: defineOperation({ method: "get", operationId: "ping", path: "/ping", ...publicRoute() }),
      echo: defineOperation({ method: "post", operationId: "echo", path: "/echo", ...publicRoute(), input: ["json"] }),
    };
    let loads = 0;
    const contracts = async () => {
      loads++;
      const Echo = z.strictObject({ word: z.string().min(1) });
      return {
        ping: contract(operations.ping, { responses: { 200: jsonResponse(z.object({ ok: z.boolean() }), "ok") } }),
        echo: contract(operations.echo, { request: { body: jsonBody(Echo) }, responses: { 200: jsonResponse(Echo, "echo") } }),
      };
    };
    const router = createRouter(operations, contracts)
      .openapi("ping", (c) => c.json({ ok: true }, 200))
      .openapi("echo", (c) => c.json(c.req.valid("json"), 200));
    router.onError(errorHandler);
    const post = (body: string) => router.request("/echo", { method: "POST", body, headers: { "content-type": "application/json" } });

    const ping = await router.request("/ping");
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ ok: true });
    expect(loads).toBe(0);

    const bad = await post(JSON.stringify({ word: "", extra: 1 }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await bad.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors.map((e) => e.path).sort()).toEqual(["(body)", "word"]);
    expect(loads).toBe(1);

    const good = await post(JSON.stringify({ word: "hi" }));
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ word: "hi" });
    expect(loads).toBe(1);
  });

  it("a route without input refuses a body with fields, as its contract declares none", async () => {
    const operations = { ping: defineOperation({ method: "post", operationId: "ping", path: "/ping", ...publicRoute() }) };
    let loads = 0;
    const router = createRouter(operations, async () => {
      loads++;
      return { ping: contract(operations.ping, { responses: { 204: { description: "done" } } }) };
    }).openapi("ping", (c) => c.body(null, 204));
    router.onError(errorHandler);
    const empty = await router.request("/ping", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(empty.status).toBe(204);
    const fields = await router.request("/ping", { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json" } });
    expect(fields.status).toBe(400);
    expect(((await fields.json()) as { code: string }).code).toBe("validation_failed");
    expect(loads).toBe(0);
  });

  it("two first requests at once share one load; a failed load is a 500 and the next request loads again", async () => {
    const operations = {
      echo: defineOperation({ method: "post", operationId: "echo", path: "/echo", ...publicRoute(), input: ["json"] }),
    };
    let loads = 0;
    const router = createRouter(operations, async () => {
      loads++;
      if (loads === 1) throw new Error("contracts failed to load");
      const Echo = z.strictObject({ word: z.string().min(1) });
      return { echo: contract(operations.echo, { request: { body: jsonBody(Echo) }, responses: { 200: jsonResponse(Echo, "echo") } }) };
    }).openapi("echo", (c) => c.json(c.req.valid("json"), 200));
    router.onError(errorHandler);
    const post = (body: unknown) =>
      router.request("/echo", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

    const first = await Promise.all([post({ word: "a" }), post({ word: "b" })]);
    expect(first.map((r) => r.status)).toEqual([500, 500]);
    expect(((await first[0]!.json()) as { code: string }).code).toBe("internal_error");
    expect(loads).toBe(1);
    const again = await Promise.all([post({ word: "c" }), post({ word: "" })]);
    expect(again.map((r) => r.status)).toEqual([200, 400]);
    expect(await again[0]!.json()).toEqual({ word: "c" });
    expect(loads).toBe(2);
  });

  it("an operation whose input is not what its contract validates fails loudly, never runs unvalidated", async () => {
    const Query = z.strictObject({ n: z.coerce.number().int() });
    const operations = {
      // Declares no input, but its contract has a query: its document entry cannot be built.
      silent: defineOperation({ method: "get", operationId: "silent", path: "/silent", ...publicRoute() }),
      // Declares a body only, but its contract also has a query: its first request is a 500.
      partial: defineOperation({ method: "post", operationId: "partial", path: "/partial", ...publicRoute(), input: ["json"] }),
    };
    const router = createRouter(operations, async () => ({
      silent: contract(operations.silent, { request: { query: Query }, responses: { 204: { description: "done" } } }),
      partial: contract(operations.partial, {
        request: { query: Query, body: jsonBody(z.strictObject({})) },
        responses: { 204: { description: "done" } },
      }),
    }))
      .openapi("silent", (c) => c.body(null, 204))
      .openapi("partial", (c) => c.body(null, 204));
    router.onError(errorHandler);

    await expect(router.documented[0]!.contract()).rejects.toThrow(/silent: declares input \[\], its contract validates \[query\]/);
    const partial = await router.request("/partial?n=x", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(partial.status).toBe(500);
    expect(((await partial.json()) as { code: string }).code).toBe("internal_error");
  });
});
