import type { Hono } from "hono";
import type { AppBindings } from "../context";
import type { AppRouter } from "./router";

/** What a group does to the app it joins: mounts its router (or, for the docs, registers its routes). */
export type RegisterGroup = (app: AppRouter, options: { development: boolean }) => void;

/**
 * A route group: one router module, loaded and registered only when a request needs it.
 *
 * `paths` are its routes' paths exactly as registered (Hono patterns: `:param`, `:param{pattern}`,
 * a trailing `/*` for middleware); `test/app/route-groups.test.ts` fails when they differ from
 * what the group registers, so a route added to a router without its path here is caught. Each
 * `load` is a dynamic `import()`: esbuild keeps the module in the one bundle, and evaluates it (its
 * operations, its handlers, its router) only when called; its contracts, the zod schemas, wait for a
 * request with input or the document (routes/router.ts).
 */
export interface RouteGroup {
  name: string;
  paths: readonly string[];
  load: () => Promise<RegisterGroup>;
  /** Only under ENVIRONMENT=development (the /api/dev/* helpers): anywhere else not a route at all. */
  developmentOnly?: true;
  /** Paths whose answer describes every group (the OpenAPI document): they are served by the whole app. */
  wholeApp?: readonly string[];
}

const mount =
  (router: Hono<AppBindings>): RegisterGroup =>
  (app) =>
    app.include(router);

/** Every group, in the order the app registers them (the order Hono matches and `Allow` lists methods in). */
export const ROUTE_GROUPS: readonly RouteGroup[] = [
  {
    name: "health",
    paths: ["/api/health"],
    load: () => import("./health/health.index").then((m) => mount(m.healthRouter)),
  },
  {
    name: "auth",
    paths: [
      "/api/auth/sign-up",
      "/api/auth/sign-in",
      "/api/auth/sign-out",
      "/api/auth/session",
      "/api/auth/session/organization",
      "/api/auth/email-verification",
      "/api/auth/email-verification/confirm",
      "/api/auth/password-reset",
      "/api/auth/password-reset/confirm",
      "/api/auth/password",
      "/api/auth/sessions",
      "/api/auth/sessions/:id",
    ],
    load: () => import("./auth/auth.index").then((m) => mount(m.authRouter)),
  },
  {
    name: "mfa",
    paths: ["/api/auth/mfa/totp", "/api/auth/mfa/totp/confirm", "/api/auth/sign-in/mfa"],
    load: () => import("./mfa/mfa.index").then((m) => mount(m.mfaRouter)),
  },
  {
    name: "account",
    paths: ["/api/organizations", "/api/users/me/organizations/:organizationId", "/api/users/me"],
    load: () => import("./account/account.index").then((m) => mount(m.accountRouter)),
  },
  {
    name: "users",
    paths: ["/api/users/me/organizations"],
    load: () => import("./users/users.index").then((m) => mount(m.usersRouter)),
  },
  {
    name: "current-organization",
    paths: ["/api/organizations/me", "/api/organizations/me/permissions"],
    load: () => import("./organizations/current.index").then((m) => mount(m.currentOrganizationRouter)),
  },
  {
    name: "members",
    paths: ["/api/organizations/members", "/api/organizations/members/:memberId"],
    load: () => import("./members/members.index").then((m) => mount(m.membersRouter)),
  },
  {
    name: "roles",
    paths: ["/api/organizations/roles", "/api/organizations/roles/:id"],
    load: () => import("./roles/roles.index").then((m) => mount(m.rolesRouter)),
  },
  {
    name: "org-invitations",
    paths: ["/api/organizations/invitations", "/api/organizations/invitations/:id"],
    load: () => import("./invitations/org-invitations.index").then((m) => mount(m.orgInvitationsRouter)),
  },
  {
    name: "recipient-invitations",
    paths: ["/api/invitations", "/api/invitations/:token", "/api/invitations/:token/accept", "/api/invitations/:token/decline"],
    load: () => import("./invitations/recipient.index").then((m) => mount(m.recipientInvitationsRouter)),
  },
  {
    name: "api-keys",
    paths: [
      "/api/organizations/api-keys",
      "/api/organizations/api-keys/:id",
      "/api/organizations/api-keys/:id/roll",
      "/api/organizations/api-keys/:id/usage",
    ],
    load: () => import("./api-keys/api-keys.index").then((m) => mount(m.apiKeysRouter)),
  },
  {
    name: "events",
    paths: ["/api/organizations/me/events", "/api/organizations/me/events/:id"],
    load: () => import("./events/events.index").then((m) => mount(m.eventsRouter)),
  },
  {
    name: "webhooks",
    paths: [
      "/api/organizations/webhooks",
      "/api/organizations/webhooks/:id",
      "/api/organizations/webhooks/:id/rotate-secret",
      "/api/organizations/webhooks/:id/test",
      "/api/organizations/webhooks/:id/deliveries",
      "/api/organizations/webhooks/:id/deliveries/:deliveryId/retry",
    ],
    load: () => import("./webhooks/webhooks.index").then((m) => mount(m.webhooksRouter)),
  },
  {
    name: "super-admin",
    paths: ["/api/organizations", "/api/organizations/:id{org_[0-9A-HJKMNP-TV-Z]{26}}"],
    load: () => import("./organizations/admin.index").then((m) => mount(m.superAdminRouter)),
  },
  {
    name: "tokens",
    paths: ["/api/auth/token", "/.well-known/jwks.json"],
    load: () => import("./tokens/tokens.index").then((m) => mount(m.tokensRouter)),
  },
  {
    name: "dev",
    paths: ["/api/dev/outbox", "/api/dev/calibrate"],
    developmentOnly: true,
    load: () => import("./dev/dev.index").then((m) => mount(m.devRouter)),
  },
  {
    name: "pages",
    paths: [
      "/invitations/*",
      "/verify-email/*",
      "/reset-password",
      "/reset-password/*",
      "/invitations/:token",
      "/verify-email/:token",
      "/reset-password/:token",
    ],
    load: () => import("./pages/pages.index").then((m) => mount(m.tokenPages)),
  },
  {
    name: "docs",
    paths: ["/api/openapi.json", "/docs/errors", "/", "/favicon.ico", "/favicon.svg"],
    wholeApp: ["/api/openapi.json"],
    load: () => import("./docs/docs.index").then((m) => m.registerDocs),
  },
];

/**
 * A pattern as a RegExp that matches at least every path the pattern does in Hono (a param: one
 * segment, or its own `{pattern}`; `/*`: the prefix and anything under it; a trailing slash
 * allowed). Erring wide is safe: a group built for a request that none of its routes match changes
 * nothing about the answer (the request would not have matched those routes in the whole app
 * either); erring narrow would not be, so the test checks every registered path against these.
 */
export function patternMatcher(pattern: string): RegExp {
  const wildcard = pattern.endsWith("/*");
  const body = (wildcard ? pattern.slice(0, -2) : pattern)
    .split(/(:[^/{]+(?:\{.+?\})?)(?=\/|$)/)
    .map((part) =>
      part.startsWith(":")
        ? (/\{(.+)\}$/.exec(part)?.[1] ?? "[^/]+").replace(/^(.*)$/, "(?:$1)")
        : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${body}${wildcard ? "(?:/.*)?" : "/?"}$`);
}

/** Which groups a request path needs, from the groups available: each group once, in registration order. */
export function groupsForPath(groups: readonly RouteGroup[], matchers: ReadonlyMap<RouteGroup, RegExp>, path: string): RouteGroup[] {
  if (groups.some((group) => group.wholeApp?.includes(path))) return [...groups];
  return groups.filter((group) => matchers.get(group)!.test(path));
}

/** One RegExp per group: any of its paths. */
export function groupMatchers(groups: readonly RouteGroup[]): Map<RouteGroup, RegExp> {
  return new Map(groups.map((group) => [group, new RegExp(group.paths.map((p) => patternMatcher(p).source).join("|"))]));
}
