import { env } from "cloudflare:test";
import { vi } from "vitest";
import { post, call } from "./api";

export interface OutboxEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

const LINKS = {
  invitation: /\/invitations\/(ivt_[0-9A-Za-z]{49})/,
  verification: /\/verify-email\/(vet_[0-9A-Za-z]{49})/,
  reset: /\/reset-password\/(prt_[0-9A-Za-z]{49})/,
} as const;
export type LinkKind = keyof typeof LINKS;

/**
 * Waits for the real queue consumer to put `count` emails carrying a `kind` link for `to` in the
 * dev outbox (newest first). A signed-up user also gets a verification email: the kind tells them apart.
 */
export async function waitForEmail(to: string, kind: LinkKind = "invitation", count = 1): Promise<OutboxEmail[]> {
  return vi.waitFor(
    async () => {
      const res = await call("GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`);
      const matching = (res.body as { data: OutboxEmail[] }).data.filter((e) => LINKS[kind].test(e.text));
      if (matching.length < count) throw new Error(`no ${kind} email for ${to} yet`);
      return matching;
    },
    { timeout: 15_000, interval: 200 },
  );
}

/** The token of the `kind` link in an email's text. */
export const tokenIn = (text: string, kind: LinkKind = "invitation") => LINKS[kind].exec(text)![1]!;

/** Proves `email`'s mailbox the way its owner would: the verification link from the outbox. */
export async function verifyEmail(email: string) {
  const [message] = await waitForEmail(email, "verification");
  const res = await post("/api/auth/email-verification/confirm", { token: tokenIn(message!.text, "verification") });
  if (res.status !== 200) throw new Error(`verification failed: ${res.status} ${res.text}`);
  return res.body.user as { id: string; email: string; emailVerified: boolean };
}

/**
 * Waits until the real EMAILS consumer has handled every email still expected: invitations whose
 * current email has no delivery row, and unused, unexpired account-email tokens likewise. Every
 * test file runs it after its tests (test/setup.ts), so no delivery is still running when the
 * file's runtime is torn down.
 */
export async function drainEmailQueue(timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare(
      `SELECT
         (SELECT count(*) FROM invitations i WHERE i.status = 'pending' AND i.delivery_status = 'queued'
            AND NOT EXISTS (SELECT 1 FROM email_deliveries d WHERE d.email_id = i.email_id))
       + (SELECT count(*) FROM email_tokens t WHERE t.used_at IS NULL AND t.expires_at > ?1
            AND NOT EXISTS (SELECT 1 FROM email_deliveries d WHERE d.email_id = t.email_id)) AS n`,
    )
      .bind(Date.now())
      .first<{ n: number }>();
    if (row!.n === 0) return;
    if (Date.now() > deadline) {
      const tokens = await env.DB.prepare("SELECT id, kind, email_id, used_at, created_at FROM email_tokens WHERE used_at IS NULL").all();
      throw new Error(`${row!.n} emails still queued after ${timeoutMs} ms: ${JSON.stringify(tokens.results)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
