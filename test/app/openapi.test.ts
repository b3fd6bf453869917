import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { Env } from "../../src/env";
import { ERROR_CODES, errorCatalog } from "../../src/lib/errors";
import { CLEAN_TEXT_PATTERN } from "../../src/lib/text";
import { permissionCatalog } from "../../src/domain/permissions";
import { call, expectProblem, servedDocument } from "../helpers/api";

describe("the OpenAPI document and the docs page", () => {
  it("documents every route with its request schema and error responses", async () => {
    const doc = await servedDocument();
    expect(doc.openapi).toBe("3.1.0");

    const documented = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`);
        expect(op.responses["400"], `${method} ${path} 400`).toBeDefined();
        expect(op.responses["500"], `${method} ${path} 500`).toBeDefined();
        expect(op.responses["400"]!.content!["application/problem+json"]!.schema.$ref).toBe("#/components/schemas/Problem");
        if (op.security?.length) expect(op.responses["401"], `${method} ${path} 401`).toBeDefined();
        const actionWithoutBody = [
          "/api/auth/sign-out",
          "/api/auth/email-verification",
          "/api/organizations/invitations/{id}",
          "/api/invitations/{token}/decline",
          "/api/organizations/webhooks/{id}/rotate-secret",
          "/api/organizations/webhooks/{id}/test",
          "/api/organizations/webhooks/{id}/deliveries/{deliveryId}/retry",
          "/api/auth/token",
        ].includes(path);
        if (["post", "put", "patch"].includes(method) && !actionWithoutBody) {
          expect(op.requestBody?.content?.["application/json"]?.schema, `${method} ${path} body`).toBeDefined();
        }
      }
    }
    // Every API route the app serves is in the document (docs and the document itself aside).
    const served = (await createApp(env as Env)).routes
      .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/") && r.path !== "/api/openapi.json")
      // Hono's `:id{pattern}` is documented as `{id}`.
      .map((r) => `${r.method} ${r.path.replace(/(:[^/{]+)\{.+?\}(?=\/|$)/g, "$1")}`);
    expect(served.length).toBeGreaterThan(10);
    for (const route of served) expect(documented, route).toContain(route);

    const patchMe = doc.paths["/api/organizations/me"]!.patch!;
    const schema = patchMe.requestBody!.content!["application/json"]!.schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema;
    expect(resolved.additionalProperties).toBe(false);
    expect(Object.keys(resolved.properties).sort()).toEqual(["logo", "name", "requireMfa", "timezone"]);
    expect(doc.components.securitySchemes).toMatchObject({ apiKey: { scheme: "bearer" }, session: { scheme: "bearer" } });
  });

  it("names every operation (a unique camelCase operationId), declares its tags and the headers every response carries", async () => {
    const doc = await servedDocument();
    const ids: string[] = [];
    const declaredTags = new Set(doc.tags.map((t: { name: string; description?: string }) => t.name));
    for (const t of doc.tags) expect(t.description, `tag ${t.name}`).toEqual(expect.any(String));
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, name).toMatch(/^[a-z][a-zA-Z]+$/);
        ids.push(op.operationId!);
        for (const tag of op.tags!) expect(declaredTags, `${name} tag ${tag}`).toContain(tag);
        // 405 is documented for every path (any other method gets it), with Allow.
        expect(op.responses["405"]?.headers?.Allow, `${name} 405 Allow`).toEqual({ $ref: "#/components/headers/Allow" });
        for (const [status, response] of Object.entries(op.responses)) {
          expect(response.headers?.["X-Request-Id"], `${name} ${status} X-Request-Id`).toEqual({
            $ref: "#/components/headers/X-Request-Id",
          });
          if (status === "401") expect(response.headers!["WWW-Authenticate"], `${name} 401`).toBeDefined();
          if (status === "429" || status === "503") expect(response.headers!["Retry-After"], `${name} ${status}`).toBeDefined();
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/api/organizations/members"]!.get!.operationId).toBe("listMembers");
    expect(doc.paths["/api/organizations/me"]!.get!.operationId).toBe("getCurrentOrganization");
    for (const path of ["/api/auth/sign-up", "/api/auth/sign-in", "/api/auth/sign-out", "/api/invitations/{token}/accept"]) {
      const responses = doc.paths[path]!.post!.responses;
      const success = Object.keys(responses).find((s) => s.startsWith("2"))!;
      expect(responses[success]!.headers!["Set-Cookie"], path).toEqual({ $ref: "#/components/headers/Set-Cookie" });
    }
    expect(doc.info.license?.name).toBe("MIT");
    expect(Object.keys(doc.components.headers).sort()).toEqual([
      "Allow",
      "Idempotent-Replayed",
      "RateLimit-Policy",
      "Retry-After",
      "Set-Cookie",
      "WWW-Authenticate",
      "X-Client-Request-Id",
      "X-D1-Bookmark",
      "X-Request-Id",
    ]);
  });

  it("says null only where a value can be null: the session's organization and role, not RoleRef itself", async () => {
    const doc = await servedDocument();
    const schemas = doc.components.schemas;
    expect(schemas.RoleRef.type).toBe("object");
    expect(schemas.Organization.type).toBe("object");
    const nullable = (name: string) => ({ anyOf: [{ $ref: `#/components/schemas/${name}` }, { type: "null" }] });
    expect(schemas.SessionView.properties.organization).toMatchObject(nullable("Organization"));
    expect(schemas.SessionView.properties.role).toMatchObject(nullable("RoleRef"));
    expect(schemas.AcceptResult.properties.organization).toMatchObject(nullable("Organization"));
    expect(schemas.Member.properties.role).toEqual({ $ref: "#/components/schemas/RoleRef" });
  });

  it("requires every catalog permission in the permission map, and shows role permissions as the enum", async () => {
    const doc = await servedDocument();
    const schemas = doc.components.schemas;
    const map = schemas.PermissionsView.properties.permissions;
    // The built-ins, then the platform's (PLATFORM_PERMISSIONS: test/platform/platform-permissions.test.ts).
    expect(map.required).toEqual([...permissionCatalog(env as Env).all]);
    expect(map.additionalProperties).toBe(false);
    expect(schemas.Permission.enum).toEqual([...permissionCatalog(env as Env).all]);
    for (const input of ["RoleCreateInput", "RoleUpdateInput"]) {
      expect(schemas[input].properties.permissions.items, input).toEqual({ $ref: "#/components/schemas/Permission" });
    }
    // The name pattern is the regex's source (not "…$/u", which nothing matches).
    expect(schemas.OrganizationPatch.properties.name.pattern).toBe(CLEAN_TEXT_PATTERN.source);
  });
});

describe("the reference at /docs and the error catalog", () => {
  it("/docs is the static Scalar page, reading the served document from a bundle served alongside it", async () => {
    // Static assets are served in front of the Worker (wrangler.toml [assets]): ask the binding.
    const page = await env.ASSETS.fetch("http://localhost/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain('url: "/api/openapi.json"');
    const src = /<script src="([^"]+)"><\/script>/.exec(html)?.[1];
    expect(src).toBe("/vendor/scalar/standalone.js");
    expect(html).not.toMatch(/src="https?:/);
    const bundle = await env.ASSETS.fetch(`http://localhost${src}`);
    expect(bundle.status, "run scripts/copy-docs-assets.mjs (npm test does)").toBe(200);
    expect(bundle.headers.get("content-type")).toContain("javascript");
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });

  it("lists every error code with its status, title and meaning", async () => {
    const res = await call("GET", "/docs/errors");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    for (const entry of errorCatalog()) {
      const row = new RegExp(`<tr id="${entry.code}">.*?</tr>`).exec(res.text)?.[0];
      expect(row, entry.code).toBeDefined();
      expect(row).toContain(`<td>${entry.status}</td>`);
      expect(entry.description.length, entry.code).toBeGreaterThan(10);
    }
    expect(errorCatalog().map((e) => e.code)).toEqual(Object.keys(ERROR_CODES));
  });

  it("a problem's type resolves, on this server, to the catalog row of its code", async () => {
    const res = await call("PATCH", "/api/organizations/me", { token: "ork_nope" });
    const problem = expectProblem(res, 401, "unauthenticated");
    const url = new URL(problem.type, "http://localhost/api/organizations/me");
    expect(url.origin).toBe("http://localhost");
    expect(url.hash).toBe("#unauthenticated");
    const page = await call("GET", url.pathname);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<tr id="unauthenticated">');
  });
});
