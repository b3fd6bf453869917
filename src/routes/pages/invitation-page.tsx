/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { PASSWORD_HINT, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../lib/passwords";

/**
 * The page an invitation email links to. Server-rendered with hono/jsx: no build step, no
 * script, no CDN. Plain HTML forms post back to the same URL, so it works with JavaScript off
 * and with any assistive technology.
 */

export interface PreviewData {
  organization: { name: string; logo: string | null };
  role: { name: string };
  email: string;
  invitedBy: { name: string };
  expiresAt: string;
  status: "pending" | "accepted" | "revoked" | "expired";
  hasAccount: boolean;
}

export type PageState =
  | { kind: "pending"; preview: PreviewData; signedInAs: string | null; error?: string; typedName?: string; mfaToken?: string }
  | { kind: "accepted"; preview: PreviewData; justNow: boolean; organizationName: string; roleName: string }
  | { kind: "declined"; preview: PreviewData }
  | { kind: "closed"; preview: PreviewData }
  | { kind: "not_found" };

export const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#f5f6f8;--card:#fff;--line:#d9dee4;--accent:#2563eb;--danger:#b42318;--ok:#067647}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ed;--muted:#9aa4af;--bg:#0f1216;--card:#171b21;--line:#2a3139;--accent:#6ea8ff;--danger:#ff8a80;--ok:#6ee7a8}}
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;padding:16px;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
main{width:100%;max-width:440px;background:var(--card);border:1px solid var(--line);border-radius:14px;padding:28px}
.logo{position:relative;width:56px;height:56px;border-radius:12px;overflow:hidden;margin-bottom:12px;background:var(--line);display:grid;place-items:center;font-weight:700;font-size:1.2rem;color:var(--muted)}
.logo img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
h1{font-size:1.35rem;margin:0 0 .5rem}p{margin:.5rem 0}.muted{color:var(--muted);font-size:.9rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1rem 0}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
form{margin-top:1rem}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;font:inherit;padding:.65rem .75rem;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit}
input[readonly]{color:var(--muted)}
button{font:inherit;font-weight:600;padding:.7rem 1rem;border-radius:8px;border:1px solid transparent;cursor:pointer;width:100%;margin-top:1rem}
.primary{background:var(--accent);color:#fff}.secondary{background:transparent;border-color:var(--line);color:inherit}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{color:var(--danger);border:1px solid currentColor;border-radius:8px;padding:.6rem .75rem}
.success{color:var(--ok);font-weight:600}
`;

/** A password being chosen, with the rules the API applies (lib/passwords.ts): sign-up and reset pages. */
export function NewPasswordField({ label }: { label: string }) {
  return (
    <>
      <label for="password">
        {label} ({PASSWORD_HINT})
      </label>
      <input
        id="password"
        name="password"
        type="password"
        required
        minlength={PASSWORD_MIN_LENGTH}
        maxlength={PASSWORD_MAX_LENGTH}
        autocomplete="new-password"
      />
    </>
  );
}

/** Every page's frame. `nonce` lets the one inline stylesheet through the page's CSP (no 'unsafe-inline'). */
export function Layout({ title, nonce, children }: { title: string; nonce?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <style nonce={nonce}>{STYLE}</style>
      </head>
      <body>
        <main>{children}</main>
      </body>
    </html>
  );
}

/** "Sunset Tours" → "ST", "kayaks" → "K": the first letter of the first two words. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((word) => [...word][0]!.toLocaleUpperCase("en"))
    .join("");
}

/**
 * The organization's mark: its initials, with the logo (when it has one) laid over them. No
 * script (the CSP allows none, so no `onerror` swap): a logo that fails to load shows nothing —
 * its `alt` is empty, the name is the heading beside it — and the initials under it show through.
 */
function Logo({ organization }: { organization: PreviewData["organization"] }) {
  return (
    <div class="logo" aria-hidden="true">
      <span>{initialsOf(organization.name)}</span>
      {organization.logo ? <img src={organization.logo} alt="" width={56} height={56} /> : null}
    </div>
  );
}

function Header({ preview, title }: { preview: PreviewData; title?: string }) {
  return (
    <>
      <Logo organization={preview.organization} />
      <h1>{title ?? `Join ${preview.organization.name}`}</h1>
    </>
  );
}

function Details({ preview }: { preview: PreviewData }) {
  return (
    <dl>
      <dt>Invited by</dt>
      <dd>{preview.invitedBy.name}</dd>
      <dt>Role</dt>
      <dd>{preview.role.name}</dd>
      <dt>Email</dt>
      <dd>{preview.email}</dd>
      <dt>Expires</dt>
      <dd>
        <time datetime={preview.expiresAt}>{new Date(preview.expiresAt).toUTCString()}</time>
      </dd>
    </dl>
  );
}

function DeclineForm() {
  return (
    <form method="post">
      <input type="hidden" name="action" value="decline" />
      <button class="secondary" type="submit">
        Decline
      </button>
    </form>
  );
}

function Pending({ state }: { state: Extract<PageState, { kind: "pending" }> }) {
  const { preview } = state;
  return (
    <>
      <Header preview={preview} />
      <p>
        {preview.invitedBy.name} invited you to join <strong>{preview.organization.name}</strong> as <strong>{preview.role.name}</strong>.
      </p>
      <Details preview={preview} />
      {state.error ? (
        <p class="error" role="alert">
          {state.error}
        </p>
      ) : null}
      {state.signedInAs ? (
        <form method="post">
          <input type="hidden" name="action" value="accept" />
          <p class="muted">Signed in as {state.signedInAs}.</p>
          <button class="primary" type="submit">
            Accept invitation
          </button>
        </form>
      ) : state.mfaToken ? (
        <form method="post" aria-labelledby="code-title">
          <input type="hidden" name="action" value="accept" />
          <input type="hidden" name="mfa_token" value={state.mfaToken} />
          <h2 id="code-title" class="muted">
            Enter your authentication code
          </h2>
          <label for="code">Code from your authenticator app, or a recovery code</label>
          <input
            id="code"
            name="code"
            type="text"
            required
            maxlength={64}
            autocomplete="one-time-code"
            autocapitalize="off"
            spellcheck={false}
          />
          <button class="primary" type="submit">
            Verify and accept
          </button>
          <p class="muted">Lost the device? Use one of the recovery codes you saved when you turned on two-factor sign-in.</p>
        </form>
      ) : preview.hasAccount ? (
        <form method="post" aria-labelledby="signin-title">
          <input type="hidden" name="action" value="accept" />
          <h2 id="signin-title" class="muted">
            Sign in to accept
          </h2>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" value={preview.email} readonly autocomplete="username" />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" required minlength={1} autocomplete="current-password" />
          <button class="primary" type="submit">
            Sign in and accept
          </button>
          <p class="muted">
            Forgot it, or never created this account? <a href="/reset-password">Reset the password</a> through this email address.
          </p>
        </form>
      ) : (
        <form method="post" aria-labelledby="signup-title">
          <input type="hidden" name="action" value="accept" />
          <h2 id="signup-title" class="muted">
            Create your account to accept
          </h2>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" value={preview.email} readonly autocomplete="username" />
          <label for="name">Your name</label>
          <input id="name" name="name" type="text" required maxlength={100} autocomplete="name" value={state.typedName} />
          <NewPasswordField label="Password" />
          <button class="primary" type="submit">
            Create account and accept
          </button>
        </form>
      )}
      <DeclineForm />
    </>
  );
}

const CLOSED_TEXT: Record<"accepted" | "revoked" | "expired", (p: PreviewData) => string> = {
  accepted: () => "This invitation has already been used.",
  revoked: () => "This invitation is no longer valid: it was revoked or declined.",
  expired: (p) => `This invitation has expired. Ask ${p.invitedBy.name} to send you a new one.`,
};

export function renderInvitationPage(state: PageState, nonce?: string) {
  switch (state.kind) {
    case "not_found":
      return (
        <Layout nonce={nonce} title="Invitation not found">
          <h1>Invitation not found</h1>
          <p>This link does not work. It may have been replaced by a newer invitation email, or mistyped.</p>
        </Layout>
      );
    case "pending":
      return (
        <Layout nonce={nonce} title={`Join ${state.preview.organization.name}`}>
          <Pending state={state} />
        </Layout>
      );
    case "accepted":
      return (
        <Layout nonce={nonce} title={`Welcome to ${state.organizationName}`}>
          <Header preview={state.preview} title={`Welcome to ${state.organizationName}`} />
          <p class="success" role="status">
            You joined {state.organizationName} as {state.roleName}.
          </p>
          <p class="muted">
            You are signed in on this browser. The API reference is at <a href="/docs">/docs</a>.
          </p>
        </Layout>
      );
    case "declined":
      return (
        <Layout nonce={nonce} title="Invitation declined">
          <Header preview={state.preview} />
          <p role="status">You declined the invitation. Nothing else will happen.</p>
        </Layout>
      );
    case "closed": {
      const status = state.preview.status as "accepted" | "revoked" | "expired";
      return (
        <Layout nonce={nonce} title="Invitation unavailable">
          <Header preview={state.preview} />
          <p role="status">{CLOSED_TEXT[status](state.preview)}</p>
        </Layout>
      );
    }
  }
}
