/** @jsxImportSource hono/jsx */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppBindings, RequestContext } from "../../env";
import { ApiError } from "../../lib/errors";
import { SESSION_COOKIE, setSessionCookie } from "../../middleware/auth";
import { authenticate } from "../../services/auth/authenticate";
import type { Principal } from "../../services/auth/principal";
import { signIn } from "../../services/auth/sessions";
import { acceptInvitation, declineInvitation, previewInvitation } from "../../services/invitations/recipient";
import { clientIp, ctxOf } from "../router";
import { renderInvitationPage, type PageState, type PreviewData } from "./invitation-page";

type Ctx = Context<AppBindings>;

async function sessionOf(c: Ctx, ctx: RequestContext): Promise<Extract<Principal, { kind: "session" }> | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const principal = await authenticate(ctx, token);
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

function page(c: Ctx, state: PageState, status: 200 | 400 | 401 | 403 | 404 | 409 | 410 | 429 = 200) {
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer"); // the URL holds the token
  return c.html(renderInvitationPage(state), status);
}

function pendingState(preview: PreviewData, session: Extract<Principal, { kind: "session" }> | null, error?: string): PageState {
  const matches = session !== null && session.user.email === preview.email;
  const mismatch = session !== null && !matches ? `You are signed in as ${session.user.email}, but this invitation is for ${preview.email}.` : undefined;
  return { kind: "pending", preview, signedInAs: matches ? session!.user.email : null, error: error ?? mismatch };
}

/** The HTML page behind the emailed link: GET shows it, POST accepts or declines (plain forms). */
export const invitationPages = new Hono<AppBindings>()
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
    const field = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : undefined);
    let session = await sessionOf(c, ctx);
    try {
      if (field("action") === "decline") {
        await declineInvitation({ ctx, input: { token } });
        return page(c, { kind: "declined", preview });
      }
      let account: { name: string; password: string } | undefined;
      if (!session || session.user.email !== preview.email) {
        const password = field("password") ?? "";
        if (preview.hasAccount) {
          const signedIn = await signIn({ ctx, input: { email: preview.email, password }, clientIp: clientIp(c) });
          setSessionCookie(c, signedIn.session);
          session = (await authenticate(ctx, signedIn.session.token)) as Extract<Principal, { kind: "session" }>;
        } else {
          const name = (field("name") ?? "").trim();
          if (!name || name.length > 100 || password.length < 8 || password.length > 256) {
            throw new ApiError("validation_failed", "Enter your name and a password of at least 8 characters.");
          }
          session = null;
          account = { name, password };
        }
      }
      const result = await acceptInvitation({ ctx, input: { token, account }, principal: session });
      if (result.session) setSessionCookie(c, result.session);
      return page(c, { kind: "accepted", preview, justNow: true, organizationName: result.organization?.name ?? preview.organization.name, roleName: result.member.role.name });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "invitation_expired") return page(c, { kind: "closed", preview: { ...preview, status: "expired" } }, 410);
      const message = error.code === "unauthenticated" ? "That password is not right." : error.detail;
      return page(c, pendingState(preview, session, message), error.status as 400 | 401 | 403 | 404 | 409 | 429);
    }
  });

