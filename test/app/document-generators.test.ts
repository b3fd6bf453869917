import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { EVENT_TYPES } from "../../src/domain/event-types";
import { MAX_URL_LENGTH } from "../../src/services/webhooks/url-rules";
import { BOOKMARK } from "../../src/lib/bookmark";
import { servedDocument } from "../helpers/api";
import type { JsonSchema, OpenApiDocument } from "../helpers/document";

/**
 * The document as generators that nobody here wrote read it (issue 17 item 7): what they type from
 * it must be what the server does.
 */
type Schema = JsonSchema;
type Document = OpenApiDocument & { webhooks: NonNullable<OpenApiDocument["webhooks"]> };

const document = (await servedDocument()) as Document;
const schemas = document.components.schemas;
const resolve = (schema: Schema): Schema => (schema.$ref ? schemas[schema.$ref.split("/").pop()!]! : schema);
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` })),
);
const jsonSchema = (content: any) => content?.["application/json"]?.schema as Schema;

describe("the document as generators read it", () => {
  it("types a webhook endpoint's eventTypes the same way in and out, and the events list's type filter too", () => {
    const endpoint = resolve(jsonSchema(document.paths["/api/organizations/webhooks/{id}"]!.get!.responses["200"]!.content));
    const created = resolve(jsonSchema(document.paths["/api/organizations/webhooks"]!.post!.requestBody!.content));
    const updated = resolve(jsonSchema(document.paths["/api/organizations/webhooks/{id}"]!.patch!.requestBody!.content));
    const pattern = { $ref: "#/components/schemas/EventTypePattern" };
    expect(endpoint.properties!.eventTypes!.items).toEqual(pattern);
    expect(created.properties!.eventTypes!.items).toEqual(pattern);
    expect(updated.properties!.eventTypes!.items).toEqual(pattern);
    expect(schemas.EventTypePattern!.enum).toEqual(expect.arrayContaining(["*", "member.*", ...EVENT_TYPES]));

    const typeFilter = document.paths["/api/organizations/me/events"]!.get!.parameters!.find((p) => "name" in p && p.name === "type") as {
      schema: Schema;
    };
    expect(typeFilter.schema).toEqual(pattern);
  });

  it("says the webhook url's maxLength is the one the server enforces", () => {
    const created = resolve(jsonSchema(document.paths["/api/organizations/webhooks"]!.post!.requestBody!.content));
    const updated = resolve(jsonSchema(document.paths["/api/organizations/webhooks/{id}"]!.patch!.requestBody!.content));
    expect(MAX_URL_LENGTH).toBe(2048);
    expect(created.properties!.url!.maxLength).toBe(MAX_URL_LENGTH);
    expect(updated.properties!.url!.maxLength).toBe(MAX_URL_LENGTH);
    expect(created.properties!.url!.description).toContain("at most 2,048 characters");
  });

  it("declares the optional x-d1-bookmark request header on every read of the API", () => {
    const parameter = document.components.parameters["X-D1-Bookmark"]!;
    expect(parameter).toMatchObject({
      name: "x-d1-bookmark",
      in: "header",
      required: false,
      schema: { type: "string", pattern: BOOKMARK.source },
    });
    // The API's reads (the JWKS under /.well-known reads no database: no bookmark to carry).
    const reads = operations.filter(({ path, method }) => method === "get" && path.startsWith("/api/") && path !== "/api/health");
    expect(reads.length).toBeGreaterThan(15);
    for (const { name, op } of reads) expect(op.parameters, name).toContainEqual({ $ref: "#/components/parameters/X-D1-Bookmark" });
  });

  it("describes each event type's delivery under webhooks: the headers, the body with its type and its record", () => {
    expect(Object.keys(document.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const delivery = document.webhooks[type]!.post!;
      const headers = delivery.parameters!.filter((p) => "in" in p && p.in === "header").map((p) => (p as { name: string }).name);
      expect(headers, type).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature"]));
      const body = resolve(jsonSchema(delivery.requestBody!.content));
      expect(body.properties!.type, type).toMatchObject({ type: "string", const: type });
      const object = body.properties!.data!.properties!.object!;
      expect(object.$ref, `${type} data.object is a record schema`).toMatch(/^#\/components\/schemas\//);
    }
    const memberAdded = resolve(jsonSchema(document.webhooks["member.added"]!.post!.requestBody!.content));
    expect(memberAdded.properties!.data!.properties!.object).toEqual({ $ref: "#/components/schemas/Member" });
    expect(
      resolve(jsonSchema(document.webhooks["api_key.created"]!.post!.requestBody!.content)).properties!.data!.properties!.object,
    ).toEqual({
      $ref: "#/components/schemas/ApiKeyEventObject",
    });

    const union = schemas.WebhookEvent as { oneOf: Schema[]; discriminator: { propertyName: string; mapping: Record<string, string> } };
    expect(union.oneOf).toHaveLength(EVENT_TYPES.length);
    expect(union.discriminator.propertyName).toBe("type");
    expect(union.discriminator.mapping["member.added"]).toBe("#/components/schemas/MemberAddedEvent");
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal the document must not hold
  it("has no literal ${APP_URL} anywhere, and the *WithSecret schemas say they carry the secret", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal the document must not hold
    expect(JSON.stringify(document)).not.toContain("${APP_URL}");
    expect(schemas.ApiKeyWithSecret!.description).toMatch(/WITH its secret/);
    expect(schemas.WebhookEndpointWithSecret!.description).toMatch(/WITH its signing `secret`/);
    expect(JSON.stringify([schemas.ApiKeyWithSecret, schemas.WebhookEndpointWithSecret])).not.toMatch(/never includes/i);
  });

  it("lists no development route in the production document", async () => {
    const production = await servedDocument({ ...(env as Env), ENVIRONMENT: "production" });
    const paths = Object.keys(production.paths);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => path.startsWith("/api/dev"))).toEqual([]);
    // The development document does list them (what the production one leaves out).
    expect(Object.keys(document.paths).some((path) => path.startsWith("/api/dev/"))).toBe(true);
  });

  it("offers the sessionCookie scheme only on the user's own session routes; the organization's API is Bearer only", () => {
    const withCookie = operations.filter(({ op }) => op.security?.some((s) => "sessionCookie" in s)).map(({ name }) => name);
    expect(withCookie.length).toBeGreaterThan(5);
    for (const name of withCookie) expect(name, name).toMatch(/ \/api\/(auth|users|invitations)(\/|$)/);
    for (const { name, op } of operations) {
      if (op.security?.some((s) => "apiKey" in s)) expect(op.security, name).toEqual([{ apiKey: [] }, { session: [] }]);
      if (name.includes("/api/admin/")) expect(op.security, name).toEqual([{ session: [] }]);
    }
    expect(withCookie).toContain("POST /api/auth/sign-out");
    expect(withCookie).toContain("POST /api/invitations/{token}/accept");
  });

  it("makes the accept body a oneOf a generator cannot satisfy with { name } alone", () => {
    const accept = document.paths["/api/invitations/{token}/accept"]!.post!.requestBody!;
    const body = resolve(jsonSchema(accept.content)) as { oneOf: Schema[] };
    expect(body.oneOf).toEqual([
      { $ref: "#/components/schemas/AcceptWithAccountInput" },
      { $ref: "#/components/schemas/AcceptWithSessionInput" },
    ]);
    expect(schemas.AcceptWithSessionInput).toMatchObject({ type: "object", additionalProperties: false });
    expect(Object.keys(schemas.AcceptWithSessionInput!.properties ?? {})).toEqual([]);
    expect(schemas.AcceptWithAccountInput!.required?.sort()).toEqual(["name", "password"]);
  });

  it("declares requestEmailVerification's 202 content type and body", () => {
    const accepted = document.paths["/api/auth/email-verification"]!.post!.responses["202"]!;
    expect(resolve(jsonSchema(accepted.content))).toMatchObject({
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    });
  });

  it("says the API is MIT-licensed", () => {
    expect(document.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });
});

describe("the audit log's items", () => {
  it("are a typed event (WebhookEvent) or, stored before a record's shape changed, the generic Event", () => {
    const item = resolve(jsonSchema(document.paths["/api/organizations/me/events/{id}"]!.get!.responses["200"]!.content));
    expect(item.anyOf).toEqual([{ $ref: "#/components/schemas/WebhookEvent" }, { $ref: "#/components/schemas/Event" }]);
  });
});
