import type { AppRouter } from "../router";
import { permissionCatalog } from "../../domain/permissions";
import { ERROR_CATALOG_PATH } from "../../lib/errors";
import { registerOpenApiComponents } from "../../lib/openapi";
import { renderErrorCatalog } from "./errors-page";
import { PermissionName } from "../schemas";
import { withPlatformPermissions } from "./platform-permissions";

/**
 * Document-level tags, in the order the reference shows them. A route's `tags` must name one of
 * these (`redocly lint` fails on an undeclared tag: `operation-tag-defined`).
 */
const TAGS: { name: string; description: string; developmentOnly?: true }[] = [
  { name: "Auth", description: "Sign-up, sign-in and out, the session and its active organization, email verification, password reset and change, the user's sessions." },
  { name: "Users", description: "What the signed-in user belongs to." },
  { name: "Organizations", description: "The caller's own organization: its profile and the caller's permissions in it." },
  { name: "Members", description: "The organization's members and their roles." },
  { name: "Roles", description: "System roles (Admin, Member) and the organization's own; an org role shadows a system role of the same name." },
  { name: "API keys", description: "Keys for integrations: they belong to the organization and act with a role. The secret is shown once." },
  { name: "Invitations", description: "Inviting people by email, as the organization." },
  { name: "Accepting invitations", description: "The recipient's side: preview, accept (with a session or by creating the account), decline." },
  { name: "Super Admin", description: "Platform staff only: every organization." },
  { name: "Events", description: "The audit log: every change to the organization, who made it and when, newest first." },
  { name: "Webhooks", description: "Endpoints that receive the organization's events, signed per Standard Webhooks; their deliveries and retries." },
  { name: "Meta", description: "Liveness." },
  { name: "Development", description: "Local development helpers: served, and documented, only when ENVIRONMENT=development.", developmentOnly: true },
];

const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Tours & Events Organizations API",
    version: "1.0.0",
    license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    description: [
      "The multi-tenant core of the Tours & Events platform: organizations, members, roles, permissions, API keys and invitations.",
      "",
      "**Authentication.** Send `Authorization: Bearer <token>` with either an API key (`ork_…`, belongs to an organization and acts with a role) or a session token (`sst_…`, belongs to a user and acts in its active organization). Browsers may send the session as the `session` cookie.",
      "",
      `**Errors** are RFC 9457 \`application/problem+json\` with a stable \`code\`, listed in the [error catalog](${ERROR_CATALOG_PATH}). Every bad credential gets the same 401. Another organization's ids are 404. A path answers 405 with \`Allow\` under a method it does not serve.`,
      "",
      "**Every response** carries `X-Request-Id`, the server's own id of the request (`req_…`): the one its events and the audit log record. A caller's own `X-Request-Id` (1–128 of `[A-Za-z0-9._:-]`) comes back as `X-Client-Request-Id` and is logged beside ours.",
      "",
      "**Lists** take `limit` (1–100, default 20) and `cursor` (the previous page's `nextCursor`).",
      "",
      "**Request bodies** are strict JSON objects: unknown fields are a 400, non-JSON bodies a 415, bodies over 64 KiB a 413.",
    ].join("\n"),
  },
  servers: [
    { url: "/", description: "This deployment" },
    { url: "https://api.tours-events.example", description: "Production" },
  ],
};

/**
 * `GET /api/openapi.json` (generated from the same zod schemas that validate) and the error catalog
 * (`GET /docs/errors`) that problems' `type` points at. The interactive reference at `/docs` is a
 * static asset (public/docs.html, Scalar) that reads this document.
 */
export function registerDocs(app: AppRouter, { development }: { development: boolean }) {
  registerOpenApiComponents(app.openAPIRegistry);
  // The catalog's schema, extended per isolate with PLATFORM_PERMISSIONS when served.
  app.openAPIRegistry.register("Permission", PermissionName);
  const config = { ...OPENAPI_CONFIG, tags: TAGS.filter((tag) => development || !tag.developmentOnly).map(({ name, description }) => ({ name, description })) };

  let document: object | undefined;
  let errorsPage: string | undefined;
  // One served document per PLATFORM_PERMISSIONS value (one per isolate when deployed).
  const served = new Map<string, object>();
  app.get("/api/openapi.json", (c) => {
    document ??= withoutUnusedHeaders(withRequestIdParameter(app.getOpenAPI31Document(config)));
    const key = c.env.PLATFORM_PERMISSIONS ?? "";
    let body = served.get(key);
    if (!body) served.set(key, (body = withPlatformPermissions(document, permissionCatalog(c.env))));
    return c.json(body);
  });
  app.get(ERROR_CATALOG_PATH, (c) => c.html((errorsPage ??= renderErrorCatalog())));
}

type PathItems = Record<string, Record<string, { parameters?: unknown[] }>>;
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** Every operation takes the optional `X-Request-Id` request header (`components.parameters`). */
function withRequestIdParameter<T extends { paths?: unknown }>(document: T): T {
  for (const item of Object.values((document.paths ?? {}) as PathItems)) {
    for (const [method, operation] of Object.entries(item)) {
      if (METHODS.has(method)) operation.parameters = [...(operation.parameters ?? []), { $ref: "#/components/parameters/X-Request-Id" }];
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
