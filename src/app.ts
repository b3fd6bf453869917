import type { Env } from "./env";
import { errorHandler, notFoundHandler } from "./middleware/error-handler";
import { requestContext, requestIds } from "./middleware/request-context";
import { limitBody, requireJsonBody } from "./middleware/body-guards";
import { apiCors } from "./middleware/cors";
import { createRouter } from "./routes/router";
import { healthRouter } from "./routes/health/health.index";
import { authRouter } from "./routes/auth/auth.index";
import { mfaRouter } from "./routes/mfa/mfa.index";
import { accountRouter } from "./routes/account/account.index";
import { usersRouter } from "./routes/users/users.index";
import { currentOrganizationRouter } from "./routes/organizations/current.index";
import { superAdminRouter } from "./routes/organizations/admin.index";
import { apiKeysRouter } from "./routes/api-keys/api-keys.index";
import { membersRouter } from "./routes/members/members.index";
import { rolesRouter } from "./routes/roles/roles.index";
import { orgInvitationsRouter } from "./routes/invitations/org-invitations.index";
import { recipientInvitationsRouter } from "./routes/invitations/recipient.index";
import { devRouter } from "./routes/dev/dev.index";
import { eventsRouter } from "./routes/events/events.index";
import { webhooksRouter } from "./routes/webhooks/webhooks.index";
import { tokensRouter } from "./routes/tokens/tokens.index";
import { tokenPages } from "./routes/pages/pages.index";
import { csrfGuard } from "./middleware/csrf";
import { registerDocs } from "./routes/docs/docs.index";

/**
 * Composes the app: global middleware, every router, the OpenAPI document and the error handlers.
 * The development helpers (/api/dev/*: the outbox holds every emailed link) exist only when
 * `ENVIRONMENT=development`: anywhere else they are not routes at all — a 404 like any unknown
 * path, and absent from the served document.
 */
export function createApp(env: Pick<Env, "ENVIRONMENT">) {
  const development = env.ENVIRONMENT === "development";
  const app = createRouter();

  app.use("*", requestIds, requestContext);
  // CORS first: a preflight is answered here, before the body guards and the 405 handler.
  app.use("/api/*", apiCors);
  app.use("*", csrfGuard);
  app.use("/api/*", limitBody, requireJsonBody);
  for (const pages of ["/invitations/*", "/verify-email/*", "/reset-password", "/reset-password/*"]) app.use(pages, limitBody);

  app
    .route("/", healthRouter)
    .route("/", authRouter)
    .route("/", mfaRouter)
    .route("/", accountRouter)
    .route("/", usersRouter)
    .route("/", currentOrganizationRouter)
    .route("/", membersRouter)
    .route("/", rolesRouter)
    .route("/", orgInvitationsRouter)
    .route("/", recipientInvitationsRouter)
    .route("/", apiKeysRouter)
    .route("/", eventsRouter)
    .route("/", webhooksRouter)
    .route("/", superAdminRouter)
    .route("/", tokensRouter);
  if (development) app.route("/", devRouter);

  app.route("/", tokenPages);
  registerDocs(app, { development });

  app.notFound(notFoundHandler(app.routes));
  app.onError(errorHandler);
  return app;
}
