import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { get } from "../helpers/api";

describe("the OpenAPI document and the docs page", () => {
  it("documents every route with its request schema and error responses", async () => {
    const res = await get("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");

    const documented = new Set<string>();
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) {
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`);
        expect(op.responses["400"], `${method} ${path} 400`).toBeDefined();
        expect(op.responses["500"], `${method} ${path} 500`).toBeDefined();
        expect(op.responses["400"].content["application/problem+json"].schema.$ref).toBe("#/components/schemas/Problem");
        if (op.security?.length) expect(op.responses["401"], `${method} ${path} 401`).toBeDefined();
        const actionWithoutBody = ["/api/auth/sign-out", "/api/auth/email-verification", "/api/organizations/invitations/{id}", "/api/invitations/{token}/decline",
          "/api/organizations/webhooks/{id}/rotate-secret", "/api/organizations/webhooks/{id}/test", "/api/organizations/webhooks/{id}/deliveries/{deliveryId}/retry"].includes(path);
        if (["post", "put", "patch"].includes(method) && !actionWithoutBody) {
          expect(op.requestBody?.content?.["application/json"]?.schema, `${method} ${path} body`).toBeDefined();
        }
      }
    }
    // Every API route the app serves is in the document (docs and the document itself aside).
    const served = createApp()
      .routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/") && r.path !== "/api/openapi.json")
      // Hono's `:id{pattern}` is documented as `{id}`.
      .map((r) => `${r.method} ${r.path.replace(/(:[^/{]+)\{.+?\}(?=\/|$)/g, "$1")}`);
    expect(served.length).toBeGreaterThan(10);
    for (const route of served) expect(documented, route).toContain(route);

    const patchMe = doc.paths["/api/organizations/me"].patch;
    const schema = patchMe.requestBody.content["application/json"].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema;
    expect(resolved.additionalProperties).toBe(false);
    expect(Object.keys(resolved.properties).sort()).toEqual(["logo", "name", "timezone"]);
    expect(doc.components.securitySchemes).toMatchObject({ apiKey: { scheme: "bearer" }, session: { scheme: "bearer" } });
  });

  it("serves a self-contained docs page (no external scripts or styles)", async () => {
    const res = await get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("/api/organizations/me/permissions");
    // What each route requires (its x-permission / x-required-role) is shown next to its auth.
    expect(res.text).toContain("Auth: apiKey · session · sessionCookie, permission users.read");
    expect(res.text).toContain("Auth: apiKey · session · sessionCookie, role Admin");
    expect(res.text).toContain("Auth: session · sessionCookie, role super_admin");
    expect(res.text).toContain("Tours &amp; Events Organizations API");
    expect(res.text).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
  });
});
