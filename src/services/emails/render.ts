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

export function renderInvitationEmail(data: InvitationEmailData): RenderedEmail {
  const expires = data.expiresAt.toUTCString();
  const subject = `${data.inviterName} invited you to join ${data.organizationName}`;
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
