/** @jsxImportSource hono/jsx */
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { deleteCookie } from "hono/cookie";
import { NONCE, secureHeaders } from "hono/secure-headers";
import type { AppBindings, RequestContext } from "../../context";
import { ApiError } from "../../lib/errors";
import { cookieSession, SESSION_COOKIE, setSessionCookie } from "../../middleware/auth";
import { authenticate } from "../../services/auth/authenticate";
import type { Principal } from "../../services/auth/principal";
import { signIn } from "../../services/auth/sessions";
import { completeMfaSignIn } from "../../services/mfa/sign-in";
import { confirmEmailVerification } from "../../services/auth/email-verification";
import {
  checkPasswordResetLink,
  confirmPasswordReset,
  PASSWORD_RESET_ACCEPTED,
  requestPasswordReset,
} from "../../services/auth/password-reset";
import { PASSWORD_RULE } from "../../lib/passwords";
import { declineInvitation, previewInvitation } from "../../services/invitations/recipient";
import { acceptInvitation } from "../../services/invitations/accept";
import { AcceptWithAccountInput } from "../invitations/recipient.routes";
import { EmailInput, PasswordInput } from "../schemas";
import { ctxOf } from "../router";
import { clientIp, clientOf } from "../../lib/client-info";
import { renderInvitationPage, type PageState, type PreviewData } from "./invitation-page";
import { renderResetPasswordPage, renderVerifyEmailPage } from "./account-pages";

type Ctx = Context<AppBindings>;
type Status = 200 | 400 | 401 | 403 | 404 | 409 | 410 | 429;
type SessionPrincipal = Extract<Principal, { kind: "session" }>;

/**
 * Pages whose URL holds a token: nothing may carry the URL elsewhere (no Referer, not cached,
 * not framed), and the page may load nothing but its own nonce'd stylesheet and the org's logo.
 */
const tokenPageHeaders = [
  secureHeaders({
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [NONCE],
      imgSrc: ["https:", "http:"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  }),
  createMiddleware<AppBindings>(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  }),
];

const nonceOf = (c: Ctx) => c.get("secureHeadersNonce" as never) as string | undefined;

async function sessionOf(c: Ctx, ctx: RequestContext): Promise<SessionPrincipal | null> {
  const principal = await cookieSession(c, ctx);
  return principal?.kind === "session" ? principal : null;
}

async function loadPreview(ctx: RequestContext, token: string): Promise<PreviewData | null> {
  try {
    return await previewInvitation({ ctx, input: { token } });
  } catch (error) {
    if (error instanceof ApiError && error.code === "not_found") return null;
    throw error;
  }
}

function page(c: Ctx, state: PageState, status: Status = 200) {
  return c.html(renderInvitationPage(state, nonceOf(c)), status);
}

function pendingState(
  preview: PreviewData,
  session: SessionPrincipal | null,
  error?: string,
  typedName?: string,
): Extract<PageState, { kind: "pending" }> {
  const matches = session !== null && session.user.email === preview.email;
  const mismatch =
    session !== null && !matches ? `You are signed in as ${session.user.email}, but this invitation is for ${preview.email}.` : undefined;
  return { kind: "pending", preview, signedInAs: matches ? session!.user.email : null, error: error ?? mismatch, typedName };
}

type Form = Record<string, string | File | (string | File)[]>;
const fieldOf = (form: Form, name: string) => (typeof form[name] === "string" ? (form[name] as string) : undefined);

/**
 * The sign-up part of the form, checked with the API's own schema (same rules). The page says it
 * as a person would: the password rule in its one wording, a name problem as a sentence.
 */
function accountFrom(form: Form): { name: string; password: string } {
  const parsed = AcceptWithAccountInput.safeParse({ name: fieldOf(form, "name") ?? "", password: fieldOf(form, "password") ?? "" });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ApiError(
    "validation_failed",
    issue.path.join(".") === "password" ? PASSWORD_RULE : "Enter your name: 1 to 100 characters, without control or invisible characters.",
  );
}

/** The invitation email's page: GET shows it, POST accepts or declines (plain forms). */
const invitationPages = new Hono<AppBindings>()
  .get("/invitations/:token", async (c) => {
    const ctx = ctxOf(c);
    const preview = await loadPreview(ctx, c.req.param("token"));
    if (!preview) return page(c, { kind: "not_found" }, 404);
    if (preview.status !== "pending") return page(c, { kind: "closed", preview });
    return page(c, pendingState(preview, await sessionOf(c, ctx)));
  })
  .post("/invitations/:token", async (c) => {
    const ctx = ctxOf(c);
    const token = c.req.param("token");
    const preview = await loadPreview(ctx, token);
    if (!preview) return page(c, { kind: "not_found" }, 404);
    if (preview.status !== "pending") return page(c, { kind: "closed", preview });

    const form = await c.req.parseBody();
    const mfaToken = fieldOf(form, "mfa_token");
    let session = await sessionOf(c, ctx);
    try {
      if (fieldOf(form, "action") === "decline") {
        await declineInvitation({ ctx, input: { token } });
        return page(c, { kind: "declined", preview });
      }
      let account: { name: string; password: string } | undefined;
      if (!session || session.user.email !== preview.email) {
        if (mfaToken !== undefined) {
          // The second step of signing in (the account has MFA): the challenge and a code.
          const code = (fieldOf(form, "code") ?? "").trim();
          const signedIn = await completeMfaSignIn({
            ctx,
            input: /^\d{6}$/.test(code) ? { mfaToken, code } : { mfaToken, recoveryCode: code },
            userAgent: clientOf(c).userAgent,
          });
          setSessionCookie(c, signedIn.session);
          session = (await authenticate(ctx, signedIn.session.token)) as SessionPrincipal;
        } else if (preview.hasAccount) {
          const signedIn = await signIn({
            ctx,
            input: { email: preview.email, password: fieldOf(form, "password") ?? "" },
            client: clientOf(c),
          });
          // A second factor is due: the same page asks for the code, carrying the challenge.
          if (!("session" in signedIn)) return page(c, { ...pendingState(preview, session), mfaToken: signedIn.mfaToken });
          setSessionCookie(c, signedIn.session);
          session = (await authenticate(ctx, signedIn.session.token)) as SessionPrincipal;
        } else {
          account = accountFrom(form);
          session = null;
        }
      }
      const result = await acceptInvitation({ ctx, input: { token, account }, principal: session, userAgent: clientOf(c).userAgent });
      if (result.session) setSessionCookie(c, result.session);
      return page(c, {
        kind: "accepted",
        preview,
        justNow: true,
        organizationName: result.organization?.name ?? preview.organization.name,
        roleName: result.member.role.name,
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "invitation_expired") return page(c, { kind: "closed", preview: { ...preview, status: "expired" } }, 410);
      if (mfaToken !== undefined) {
        // A wrong code keeps the challenge (until its fifth); a dead one goes back to the password.
        if (error.code === "mfa_code_invalid")
          return page(c, { ...pendingState(preview, session, "That code is not right, or was already used."), mfaToken }, 401);
        if (error.code === "unauthenticated")
          return page(
            c,
            pendingState(preview, session, "That sign-in expired or had too many wrong codes. Enter your password again."),
            401,
          );
      }
      const message = error.code === "unauthenticated" ? "That password is not right." : error.detail;
      // What was typed stays (the password never does).
      return page(c, pendingState(preview, session, message, fieldOf(form, "name")), error.status as Status);
    }
  });

/** A failed token use, as the page shows it: expired (410) or not valid (404). Other errors propagate. */
function tokenFailure(error: unknown): { expired: boolean; status: 404 | 410 } {
  if (error instanceof ApiError && (error.code === "not_found" || error.code === "token_expired")) {
    return error.code === "token_expired" ? { expired: true, status: 410 } : { expired: false, status: 404 };
  }
  throw error;
}

/** The verification email's page: the GET only shows a button; the POST confirms. */
const verifyEmailPages = new Hono<AppBindings>()
  .get("/verify-email/:token", (c) => c.html(renderVerifyEmailPage({ kind: "confirm" }, nonceOf(c))))
  .post("/verify-email/:token", async (c) => {
    try {
      const { user } = await confirmEmailVerification({ ctx: ctxOf(c), input: { token: c.req.param("token") } });
      return c.html(renderVerifyEmailPage({ kind: "verified", email: user.email }, nonceOf(c)));
    } catch (error) {
      const failure = tokenFailure(error);
      return c.html(renderVerifyEmailPage({ kind: "invalid", expired: failure.expired }, nonceOf(c)), failure.status);
    }
  });

/** Asking for a reset link, and the reset email's page: a new-password form. */
const resetPasswordPages = new Hono<AppBindings>()
  .get("/reset-password", (c) => c.html(renderResetPasswordPage({ kind: "request" }, nonceOf(c))))
  .post("/reset-password", async (c) => {
    const parsed = EmailInput.safeParse(fieldOf(await c.req.parseBody(), "email") ?? "");
    if (!parsed.success)
      return c.html(renderResetPasswordPage({ kind: "request", error: "Enter a valid email address." }, nonceOf(c)), 400);
    try {
      await requestPasswordReset({ ctx: ctxOf(c), input: { email: parsed.data }, clientIp: clientIp(c) });
    } catch (error) {
      if (error instanceof ApiError && error.code === "rate_limited") {
        return c.html(
          renderResetPasswordPage({ kind: "request", error: "Too many requests. Wait a minute and try again." }, nonceOf(c)),
          429,
        );
      }
      throw error;
    }
    return c.html(renderResetPasswordPage({ kind: "requested", message: PASSWORD_RESET_ACCEPTED }, nonceOf(c)), 202);
  })
  // A dead link (used, replaced, unknown or expired) says so at once, like a dead invitation link;
  // looking the token up uses nothing (only the form's POST does), so a mail scanner's GET is harmless.
  .get("/reset-password/:token", async (c) => {
    try {
      await checkPasswordResetLink({ ctx: ctxOf(c), input: { token: c.req.param("token") } });
    } catch (error) {
      const failure = tokenFailure(error);
      return c.html(renderResetPasswordPage({ kind: "invalid", expired: failure.expired }, nonceOf(c)), failure.status);
    }
    return c.html(renderResetPasswordPage({ kind: "form" }, nonceOf(c)));
  })
  .post("/reset-password/:token", async (c) => {
    const parsed = PasswordInput.safeParse(fieldOf(await c.req.parseBody(), "password") ?? "");
    if (!parsed.success) return c.html(renderResetPasswordPage({ kind: "form", error: PASSWORD_RULE }, nonceOf(c)), 400);
    try {
      await confirmPasswordReset({ ctx: ctxOf(c), input: { token: c.req.param("token"), password: parsed.data } });
    } catch (error) {
      const failure = tokenFailure(error);
      return c.html(renderResetPasswordPage({ kind: "invalid", expired: failure.expired }, nonceOf(c)), failure.status);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true }); // every session of the user is gone
    return c.html(renderResetPasswordPage({ kind: "done" }, nonceOf(c)));
  });

/** Every server-rendered page with a token in its URL, behind the same headers. */
export const tokenPages = new Hono<AppBindings>();
for (const path of ["/invitations/*", "/verify-email/*", "/reset-password", "/reset-password/*"]) tokenPages.use(path, ...tokenPageHeaders);
tokenPages.route("/", invitationPages).route("/", verifyEmailPages).route("/", resetPasswordPages);
