/** @jsxImportSource hono/jsx */
import { Layout, NewPasswordField } from "./invitation-page";

/**
 * The pages behind account emails: confirming an address and choosing a new password, plus the
 * form that asks for a reset link. Server-rendered, plain forms that post back to the same URL,
 * no script. A GET never uses a token: mail scanners open links, so only the button does.
 */

export type VerifyState = { kind: "confirm" } | { kind: "verified"; email: string } | { kind: "invalid"; expired: boolean };

export function renderVerifyEmailPage(state: VerifyState, nonce?: string) {
  switch (state.kind) {
    case "confirm":
      return (
        <Layout nonce={nonce} title="Confirm your email address">
          <h1>Confirm your email address</h1>
          <p>Confirm that this mailbox is yours to finish setting up your Tours &amp; Events account.</p>
          <form method="post">
            <button class="primary" type="submit">
              Confirm email address
            </button>
          </form>
        </Layout>
      );
    case "verified":
      return (
        <Layout nonce={nonce} title="Email address confirmed">
          <h1>Email address confirmed</h1>
          <p class="success" role="status">
            {state.email} is verified. Invitations sent to it are now yours to accept.
          </p>
        </Layout>
      );
    case "invalid":
      return (
        <Layout nonce={nonce} title="Link not valid">
          <h1>{state.expired ? "This link has expired" : "This link does not work"}</h1>
          <p role="status">
            {state.expired
              ? "Verification links work for 24 hours. Sign in and ask for a new one."
              : "It was already used, replaced by a newer email, or mistyped. Sign in and ask for a new one if your address is not verified yet."}
          </p>
        </Layout>
      );
  }
}

export type ResetState =
  | { kind: "form"; error?: string }
  | { kind: "done" }
  | { kind: "invalid"; expired: boolean }
  | { kind: "request"; error?: string }
  | { kind: "requested"; message: string };

function ErrorNote({ error }: { error?: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

function NewPasswordForm({ error }: { error?: string }) {
  return (
    <form method="post" aria-labelledby="reset-title">
      <ErrorNote error={error} />
      <NewPasswordField label="New password" />
      <button class="primary" type="submit">
        Set new password
      </button>
      <p class="muted">Every device signed in to this account is signed out.</p>
    </form>
  );
}

function RequestForm({ error }: { error?: string }) {
  return (
    <form method="post">
      <ErrorNote error={error} />
      <label for="email">Email address</label>
      <input id="email" name="email" type="email" required maxlength={254} autocomplete="email" />
      <button class="primary" type="submit">
        Email me a reset link
      </button>
    </form>
  );
}

export function renderResetPasswordPage(state: ResetState, nonce?: string) {
  switch (state.kind) {
    case "form":
      return (
        <Layout nonce={nonce} title="Choose a new password">
          <h1 id="reset-title">Choose a new password</h1>
          <NewPasswordForm error={state.error} />
        </Layout>
      );
    case "done":
      return (
        <Layout nonce={nonce} title="Password changed">
          <h1>Password changed</h1>
          <p class="success" role="status">
            Your new password is set and your email address is verified. Every session was signed out: sign in again with the new password.
          </p>
        </Layout>
      );
    case "invalid":
      return (
        <Layout nonce={nonce} title="Link not valid">
          <h1>{state.expired ? "This link has expired" : "This link does not work"}</h1>
          <p role="status">
            {state.expired ? "Reset links work for 1 hour." : "It was already used, replaced by a newer email, or mistyped."}{" "}
            <a href="/reset-password">Ask for a new link</a>.
          </p>
        </Layout>
      );
    case "request":
      return (
        <Layout nonce={nonce} title="Reset your password">
          <h1>Reset your password</h1>
          <p>Enter the account's email address. If an account has it, we email it a link that works for 1 hour.</p>
          <RequestForm error={state.error} />
        </Layout>
      );
    case "requested":
      return (
        <Layout nonce={nonce} title="Check your email">
          <h1>Check your email</h1>
          <p role="status">{state.message}</p>
        </Layout>
      );
  }
}
