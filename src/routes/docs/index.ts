import type { AppRouter } from "../router";
import { renderDocsPage, type OpenApiDocument } from "./render";

const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Tours & Events Organizations API",
    version: "1.0.0",
    description: [
      "The multi-tenant core of the Tours & Events platform: organizations, members, roles, permissions, API keys and invitations.",
      "",
      "**Authentication.** Send `Authorization: Bearer <token>` with either an API key (`ork_…`, belongs to an organization and acts with a role) or a session token (`sst_…`, belongs to a user and acts in its active organization). Browsers may send the session as the `session` cookie.",
      "",
      "**Errors** are RFC 9457 `application/problem+json` with a stable `code`. Every bad credential gets the same 401. Another organization's ids are 404.",
      "",
      "**Lists** take `limit` (1–100, default 20) and `cursor` (the previous page's `nextCursor`).",
      "",
      "**Request bodies** are strict JSON objects: unknown fields are a 400, non-JSON bodies a 415, bodies over 64 KiB a 413.",
    ].join("\n"),
  },
  servers: [{ url: "/", description: "This deployment" }],
};

/** `GET /api/openapi.json` (generated from the same zod schemas that validate) and `GET /docs`. */
export function registerDocs(app: AppRouter) {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An organization API key (`ork_…`), created with POST /api/organizations/api-keys.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "http",
    scheme: "bearer",
    description: "A session token (`sst_…`) from sign-up, sign-in or accepting an invitation.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "session",
    description: "The same session token as an HttpOnly cookie (browsers).",
  });

  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const getDocument = () => (document ??= app.getOpenAPI31Document(OPENAPI_CONFIG) as unknown as OpenApiDocument);

  app.get("/api/openapi.json", (c) => c.json(getDocument()));
  app.get("/docs", (c) => c.html((page ??= renderDocsPage(getDocument()))));
}
