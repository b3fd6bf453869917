import { escapeHtml } from "../../lib/html";

/** Plain text and HTML for one email. Everything user-supplied is escaped in the HTML part. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface InvitationEmailData {
  organizationName: string;
  organizationLogo: string | null;
  inviterName: string;
  roleName: string;
  acceptUrl: string;
  expiresAt: Date;
}

/** The invitation email's subject: the same for every invitation (docs/invitations-and-email.md). */
export const INVITATION_SUBJECT = "You're invited to join an organization on Tours & Events";

export function renderInvitationEmail(data: InvitationEmailData): RenderedEmail {
  const expires = data.expiresAt.toUTCString();
  // Fixed text: no user-entered name (inviter, organization) reaches a header of the email; they are in the body only.
  const subject = INVITATION_SUBJECT;
  const text = [
    `${data.inviterName} invited you to join ${data.organizationName} on Tours & Events as ${data.roleName}.`,
    "",
    `Accept the invitation: ${data.acceptUrl}`,
    "",
    `The link works once and expires on ${expires}. If you did not expect this email, ignore it.`,
  ].join("\n");
  const logo = data.organizationLogo
    ? `<img src="${escapeHtml(data.organizationLogo)}" alt="" width="48" height="48" style="border-radius:8px;display:block;margin:0 0 16px">`
    : "";
  const html = `<!doctype html><html lang="en"><body style="margin:0;padding:24px;background:#f5f6f8;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b1f24">
<table role="presentation" width="100%" style="max-width:520px;margin:0 auto;background:#fff;border-radius:12px;padding:28px"><tr><td>
${logo}<h1 style="font-size:20px;margin:0 0 12px">Join ${escapeHtml(data.organizationName)}</h1>
<p style="margin:0 0 20px;line-height:1.5">${escapeHtml(data.inviterName)} invited you to join <strong>${escapeHtml(data.organizationName)}</strong> on Tours &amp; Events as <strong>${escapeHtml(data.roleName)}</strong>.</p>
<p style="margin:0 0 24px"><a href="${escapeHtml(data.acceptUrl)}" style="background:#2563eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;display:inline-block;font-weight:600">Accept invitation</a></p>
<p style="margin:0;color:#5b6470;font-size:13px;line-height:1.5">The link works once and expires on ${escapeHtml(expires)}.<br>If the button does not work, open ${escapeHtml(data.acceptUrl)}<br>If you did not expect this email, ignore it.</p>
</td></tr></table></body></html>`;
  return { subject, text, html };
}

/** The shared frame of account emails: a title, one paragraph, one button, the fallback link. */
function accountEmailHtml(title: string, paragraph: string, button: string, url: string, footnote: string): string {
  return `<!doctype html><html lang="en"><body style="margin:0;padding:24px;background:#f5f6f8;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b1f24">
<table role="presentation" width="100%" style="max-width:520px;margin:0 auto;background:#fff;border-radius:12px;padding:28px"><tr><td>
<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(title)}</h1>
<p style="margin:0 0 20px;line-height:1.5">${escapeHtml(paragraph)}</p>
<p style="margin:0 0 24px"><a href="${escapeHtml(url)}" style="background:#2563eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;display:inline-block;font-weight:600">${escapeHtml(button)}</a></p>
<p style="margin:0;color:#5b6470;font-size:13px;line-height:1.5">${escapeHtml(footnote)}<br>If the button does not work, open ${escapeHtml(url)}</p>
</td></tr></table></body></html>`;
}

export interface AccountEmailData {
  /** The account holder's name (clean text: no control characters reach here). */
  name: string;
  url: string;
  expiresAt: Date;
}

/** The subject names no user-supplied text: nothing a sign-up form sets reaches an email header. */
export function renderVerificationEmail(data: AccountEmailData): RenderedEmail {
  const expires = data.expiresAt.toUTCString();
  const paragraph = `Hi ${data.name}, confirm that this address is yours to finish setting up your Tours & Events account.`;
  const footnote = `The link works once and expires on ${expires}. If you did not create an account, ignore this email: nothing happens until the link is used.`;
  return {
    subject: "Confirm your email address for Tours & Events",
    text: [paragraph, "", `Confirm your email: ${data.url}`, "", footnote].join("\n"),
    html: accountEmailHtml("Confirm your email address", paragraph, "Confirm email", data.url, footnote),
  };
}

export function renderPasswordResetEmail(data: AccountEmailData): RenderedEmail {
  const expires = data.expiresAt.toUTCString();
  const paragraph = `Hi ${data.name}, someone (hopefully you) asked to reset the password of your Tours & Events account. Choosing a new password signs out every device.`;
  const footnote = `The link works once and expires on ${expires}. If you did not ask for this, ignore this email: your password stays as it is.`;
  return {
    subject: "Reset your Tours & Events password",
    text: [paragraph, "", `Choose a new password: ${data.url}`, "", footnote].join("\n"),
    html: accountEmailHtml("Reset your password", paragraph, "Choose a new password", data.url, footnote),
  };
}
