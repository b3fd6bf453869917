import { createRoute, z } from "@hono/zod-openapi";
import { authErrors, errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { EmailInput, NameInput, OrganizationSchema, SessionTokenSchema, SessionViewSchema, UserSchema } from "../schemas";
import { publicRoute, sessionOnly } from "../auth-modes";

const tags = ["Auth"];
const Password = z.string().min(8).max(256).openapi({ example: "correct horse battery staple" });

export const signUp = createRoute({
  method: "post",
  path: "/api/auth/sign-up",
  tags,
  summary: "Create an account and its organization",
  description: "Creates the user and a new organization in which the user is `Admin`, and signs in. Rate limited per IP.",
  ...publicRoute(),
  request: {
    body: jsonBody(
      z
        .strictObject({
          email: EmailInput,
          password: Password,
          name: NameInput.openapi({ example: "Ana Ruiz" }),
          organizationName: NameInput.optional().openapi({ example: "Sunset Tours" }),
        })
        .openapi("SignUpInput"),
    ),
  },
  responses: {
    201: jsonResponse(z.object({ user: UserSchema, organization: OrganizationSchema, session: SessionTokenSchema }).openapi("SignUpResult"), "Signed up"),
    ...errorResponses(409, 413, 415, 429),
  },
});

export const signIn = createRoute({
  method: "post",
  path: "/api/auth/sign-in",
  tags,
  summary: "Sign in with email and password",
  description:
    "Answers the same 401 in the same time whether the email exists or not. Rate limited per IP and per email (429 with Retry-After). The new session's active organization is the first one the user joined.",
  ...publicRoute(),
  request: { body: jsonBody(z.strictObject({ email: EmailInput, password: z.string().min(1).max(256) }).openapi("SignInInput")) },
  responses: {
    200: jsonResponse(z.object({ user: UserSchema, session: SessionTokenSchema }).openapi("SignInResult"), "Signed in"),
    ...errorResponses(401, 413, 415, 429),
  },
});

export const signOut = createRoute({
  method: "post",
  path: "/api/auth/sign-out",
  tags,
  summary: "Revoke the current session",
  ...sessionOnly(),
  responses: { 204: { description: "Signed out; the token stops working at once." }, ...authErrors() },
});

export const getSession = createRoute({
  method: "get",
  path: "/api/auth/session",
  tags,
  summary: "The current session",
  ...sessionOnly(),
  responses: { 200: jsonResponse(SessionViewSchema, "The session, its user and active organization"), ...authErrors() },
});

export const switchOrganization = createRoute({
  method: "put",
  path: "/api/auth/session/organization",
  tags,
  summary: "Switch the active organization",
  description: "The caller must be a member of the organization, else 404.",
  ...sessionOnly(),
  request: { body: jsonBody(z.strictObject({ organizationId: z.string().min(1).max(64) }).openapi("SwitchOrganizationInput")) },
  responses: { 200: jsonResponse(SessionViewSchema, "The updated session"), ...authErrors(404, 413, 415) },
});
