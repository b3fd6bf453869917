import { emailDeliveries, emailOutbox } from "../../db/schema";
import type { RequestContext } from "../../context";
import type { RenderedEmail } from "./render";

export interface OutgoingEmail extends RenderedEmail {
  /** Our id for this email: the idempotency key at every provider. */
  id: string;
  to: string;
  from: string;
}

/** A provider sends one email, or throws (the consumer retries with backoff). */
export interface EmailProvider {
  name: string;
  /** Sends and records the delivery. May be called again for the same id: must not send twice. */
  send(ctx: RequestContext, email: OutgoingEmail): Promise<void>;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}

const recordDelivery = (ctx: RequestContext, email: OutgoingEmail, provider: string, providerMessageId: string | null) =>
  ctx.db.insert(emailDeliveries).values({ emailId: email.id, provider, providerMessageId, sentAt: new Date() }).onConflictDoNothing();

/** Local development: the email lands in D1 (GET /api/dev/outbox). Stored and recorded atomically. */
const outbox: EmailProvider = {
  name: "outbox",
  async send(ctx, email) {
    await ctx.db.batch([
      ctx.db
        .insert(emailOutbox)
        .values({ id: email.id, to: email.to, subject: email.subject, text: email.text, html: email.html, createdAt: new Date() })
        .onConflictDoNothing(),
      recordDelivery(ctx, email, "outbox", email.id),
    ]);
  },
};

/** Resend's HTTP API. Its Idempotency-Key makes a retried request after a lost response safe too. */
function resend(): EmailProvider {
  return {
    name: "resend",
    async send(ctx, email) {
      const apiKey = ctx.env.RESEND_API_KEY;
      if (!apiKey) throw new ProviderError("RESEND_API_KEY is not set", false);
      const response = await fetch("https://api.resend.com/emails", {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "idempotency-key": email.id },
        body: JSON.stringify({ from: email.from, to: [email.to], subject: email.subject, text: email.text, html: email.html }),
      });
      if (!response.ok) {
        const retryable = response.status === 429 || response.status >= 500;
        throw new ProviderError(`Resend answered ${response.status}`, retryable);
      }
      const body = (await response.json().catch(() => ({}))) as { id?: string };
      await recordDelivery(ctx, email, "resend", body.id ?? null).run();
    },
  };
}

/** Cloudflare's `send_email` binding. */
const cloudflare: EmailProvider = {
  name: "cloudflare",
  async send(ctx, email) {
    const binding = ctx.env.SEND_EMAIL;
    if (!binding) throw new ProviderError("The SEND_EMAIL binding is not configured", false);
    const result = await binding.send({
      from: email.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: { "X-Entity-Ref-ID": email.id },
    });
    await recordDelivery(ctx, email, "cloudflare", result.messageId ?? null).run();
  },
};

export function providerFor(ctx: RequestContext): EmailProvider {
  switch (ctx.env.EMAIL_PROVIDER) {
    case "resend":
      return resend();
    case "cloudflare":
      return cloudflare;
    case "outbox":
      return outbox;
    default:
      throw new ProviderError(`Unknown EMAIL_PROVIDER "${ctx.env.EMAIL_PROVIDER}"`, false);
  }
}
