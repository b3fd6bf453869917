import type { AppRouter } from "../router";
import { permissionCatalog } from "../../domain/permissions";
import { ERROR_CATALOG_PATH } from "../../lib/errors";
import { once } from "../../lib/once";
import { renderErrorCatalog } from "./errors-page";
import { withPlatformPermissions } from "./platform-permissions";

/**
 * Document-level tags, in the order the reference shows them. A route's `tags` must name one of
 * these (`redocly lint` fails on an undeclared tag: `operation-tag-defined`).
 */
const TAGS: { name: string; description: string; developmentOnly?: true }[] = [
  {
    name: "Auth",
    description:
      "Sign-up, sign-in and out, the session and its active organization, email verification, password reset and change, the user's sessions.",
  },
  { name: "Users", description: "What the signed-in user belongs to." },
  { name: "Organizations", description: "The caller's own organization: its profile and the caller's permissions in it." },
  { name: "Members", description: "The organization's members and their roles." },
  {
    name: "Roles",
    description: "System roles (Admin, Member) and the organization's own; an org role shadows a system role of the same name.",
  },
  {
    name: "API keys",
    description: "Keys for integrations: they belong to the organization and act with a role. The secret is shown once.",
  },
  { name: "Invitations", description: "Inviting people by email, as the organization." },
  {
    name: "Accepting invitations",
    description: "The recipient's side: preview, accept (with a session or by creating the account), decline.",
  },
  { name: "Super Admin", description: "Platform staff only: every organization." },
  { name: "Events", description: "The audit log: every change to the organization, who made it and when, newest first." },
  {
    name: "Webhooks",
    description: "Endpoints that receive the organization's events, signed per Standard Webhooks; their deliveries and retries.",
  },
  { name: "Meta", description: "Liveness." },
  {
    name: "Development",
    description: "Local development helpers: served, and documented, only when ENVIRONMENT=development.",
    developmentOnly: true,
  },
];

const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Tours & Events Organizations API",
    version: "1.0.0",
    license: { name: "MIT", identifier: "MIT" },
    description: [
      "The multi-tenant core of the Tours & Events platform: organizations, members, roles, permissions, API keys and invitations.",
      "",
      "**Events and webhooks.** Every change to an organization is recorded as an event (the audit log: `GET /api/organizations/me/events`) and delivered to the organization's webhook endpoints, signed per Standard Webhooks. The document's `webhooks` section describes each event type's delivery: its headers and its body.",
      "",
      "**Authentication.** Send `Authorization: Bearer <token>` with either an API key (`ork_…`, belongs to an organization and acts with a role) or a session token (`sst_…`, belongs to a user and acts in its active organization). Browsers may send the session as the `session` cookie.",
      "",
      `**Errors** are RFC 9457 \`application/problem+json\` with a stable \`code\`, listed in the [error catalog](${ERROR_CATALOG_PATH}). Every bad credential gets the same 401. Another organization's ids are 404. A path answers 405 with \`Allow\` under a method it does not serve.`,
      "",
      "**Every response** carries `X-Request-Id`, the server's own id of the request (`req_…`): the one its events and the audit log record. A caller's own `X-Request-Id` (1–128 of `[A-Za-z0-9._:-]`) comes back as `X-Client-Request-Id` and is logged beside ours.",
      "",
      "**Lists** take `limit` (1–100, default 20) and `cursor` (the previous page's `nextCursor`).",
      "",
      '**Traffic limits.** Every authenticated request counts against its API key\'s `rateLimit` tier (`low` 60, `standard` 600, `high` 6,000 a minute) or, for a session, its user (1,200 a minute), per Cloudflare location and approximately. Every answer to an authenticated caller carries `RateLimit-Policy` (e.g. `"key";q=600;w=60`); over the limit → 429 `rate_limited` with `Retry-After`.',
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
  const config = {
    ...OPENAPI_CONFIG,
    tags: TAGS.filter((tag) => development || !tag.developmentOnly).map(({ name, description }) => ({ name, description })),
  };

  // Built on the first request for it and kept (a failed build is retried).
  const document = once(async () => (await import("./document")).openApiDocument(app.documented, config));
  let errorsPage: string | undefined;
  // One served document per PLATFORM_PERMISSIONS value (one per isolate when deployed).
  const served = new Map<string, object>();
  app.get("/api/openapi.json", async (c) => {
    const built = await document();
    const key = c.env.PLATFORM_PERMISSIONS ?? "";
    let body = served.get(key);
    if (!body) served.set(key, (body = withPlatformPermissions(built, permissionCatalog(c.env))));
    return c.json(body);
  });
  app.get(ERROR_CATALOG_PATH, (c) => c.html((errorsPage ??= renderErrorCatalog())));

  // The front door: the site's root is the reference, and every page (the docs, the token pages)
  // gets an icon instead of a 404 per load. Not API routes: not in the document.
  app.get("/", (c) => c.redirect("/docs", 302));
  for (const path of ["/favicon.ico", "/favicon.svg"]) {
    app.get(path, (c) => c.body(FAVICON_SVG, 200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" }));
  }
}

/** The site's icon (served by the Worker, so `/favicon.ico` answers on every deployment and in the tests). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#2563eb"/><text x="32" y="42" font-family="system-ui,sans-serif" font-size="26" font-weight="700" text-anchor="middle" fill="#fff">T&amp;E</text></svg>';
