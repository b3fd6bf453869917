import { OpenAPIHono } from "@hono/zod-openapi";
import type { DocumentedRoute } from "../router";
import { errorResponses, registerOpenApiComponents } from "../../lib/openapi";
import { eventWebhooks, WebhookEventSchema } from "../events/event-webhooks";
import { PermissionName } from "../schemas";

/** The document's own part: `openapi`, `info`, `servers`, `tags` (routes/docs/docs.index.ts). */
export type DocumentConfig = Parameters<OpenAPIHono["getOpenAPI31Document"]>[0];

/**
 * The OpenAPI 3.1 document of `routes`: their contracts (each group's `*.routes.ts`, loaded here)
 * in registration order, then the components no route names.
 */
export async function openApiDocument(routes: readonly DocumentedRoute[], config: DocumentConfig) {
  const contracts = await Promise.all(routes.map((route) => route.contract()));
  // @hono/zod-openapi's registry and generator, on an app of its own that serves nothing.
  const described = new OpenAPIHono();
  const registry = described.openAPIRegistry;
  for (const route of contracts) registry.registerPath(route);
  registerOpenApiComponents(registry);
  registry.register("WebhookEvent", WebhookEventSchema);
  for (const webhook of eventWebhooks()) registry.registerWebhook(webhook);
  // The catalog's schema, extended per isolate with PLATFORM_PERMISSIONS when served.
  registry.register("Permission", PermissionName);
  return withoutUnusedHeaders(withTrafficLimits(withAuditLogEventRefs(withRequestIdParameter(described.getOpenAPI31Document(config)))));
}

/**
 * `AuditLogEvent` is `WebhookEvent` or `Event`; zod-to-openapi flattens a union inside a union into
 * one list (losing the `WebhookEvent` reference and its discriminator), so the component is set to
 * the two references here.
 */
function withAuditLogEventRefs<T extends { components?: { schemas?: Record<string, { description?: string }> } }>(document: T): T {
  const schemas = document.components?.schemas;
  const auditLogEvent = schemas?.AuditLogEvent;
  if (schemas && auditLogEvent && schemas.WebhookEvent && schemas.Event) {
    schemas.AuditLogEvent = {
      anyOf: [{ $ref: "#/components/schemas/WebhookEvent" }, { $ref: "#/components/schemas/Event" }],
      description: auditLogEvent.description,
    } as typeof auditLogEvent;
  }
  return document;
}

type PathItems = Record<string, Record<string, { parameters?: unknown[] }>>;
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/**
 * Every operation takes the optional `X-Request-Id` request header, and every read (`GET`) of the
 * API the optional `x-d1-bookmark` one (`components.parameters`): a typed client can send them.
 */
function withRequestIdParameter<T extends { paths?: unknown }>(document: T): T {
  for (const [path, item] of Object.entries((document.paths ?? {}) as PathItems)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const reads = method === "get" && path.startsWith("/api/") && path !== "/api/health";
      operation.parameters = [
        ...(operation.parameters ?? []),
        { $ref: "#/components/parameters/X-Request-Id" },
        ...(reads ? [{ $ref: "#/components/parameters/X-D1-Bookmark" }] : []),
      ];
    }
  }
  return document;
}

/** Answers given before the caller is known (or before its route runs): never counted, never carry the policy. */
const UNMETERED_STATUSES = new Set(["401", "405", "413", "415"]);

/**
 * Every operation that authenticates its caller is traffic-limited (docs/integration-traffic.md):
 * it documents the 429 (`rate_limited`, `Retry-After`) and `RateLimit-Policy` on each answer the
 * caller gets once known. Done here, from each operation's `security`, so no route can forget it.
 */
function withTrafficLimits<T extends { paths?: unknown }>(document: T): T {
  type Operation = {
    security?: Record<string, string[]>[];
    responses?: Record<string, { headers?: Record<string, unknown>; content?: unknown }>;
  };
  for (const item of Object.values((document.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method) || !operation.security?.some((requirement) => Object.keys(requirement).length > 0) || !operation.responses)
        continue;
      // The generated document holds JSON Schema, not zod: the problem body by reference.
      operation.responses["429"] ??= {
        ...errorResponses(429)[429]!,
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!UNMETERED_STATUSES.has(status))
          response.headers = { ...response.headers, "RateLimit-Policy": { $ref: "#/components/headers/RateLimit-Policy" } };
      }
    }
  }
  return document;
}

/**
 * Header components no response references yet are left out (`Idempotent-Replayed` until the
 * idempotency work spreads it into its responses), so the document declares nothing unused.
 */
function withoutUnusedHeaders<T extends { components?: { headers?: Record<string, unknown> } }>(document: T): T {
  const headers = document.components?.headers;
  if (!headers) return document;
  const text = JSON.stringify({ ...document, components: { ...document.components, headers: {} } });
  for (const name of Object.keys(headers)) if (!text.includes(`"#/components/headers/${name}"`)) delete headers[name];
  return document;
}
