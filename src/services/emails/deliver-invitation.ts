import { and, eq } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { emailDeliveries, invitations, organizations } from "../../db/schema";
import type { RequestContext } from "../../context";
import { appOrigin } from "../../lib/app-url";
import { roleIn } from "../permissions/role-in";
import type { InvitationEmailMessage } from "./messages";
import { providerFor, ProviderError } from "./providers";
import { renderInvitationEmail } from "./render";

/**
 * Deliveries per message: the first plus wrangler.toml's `max_retries` (5). The platform moves a
 * message to the dead-letter queue after its last attempt fails.
 */
export const EMAIL_MAX_ATTEMPTS = 6;

export type DeliveryOutcome = "sent" | "already_sent" | "superseded";

/**
 * Sends one invitation email, at most once per `emailId`: a delivery row is checked first and
 * written with the send. An email whose invitation was resent (new emailId), revoked, accepted or
 * deleted since it was queued is dropped: its link would not work anyway.
 */
export async function deliverInvitationEmail(ctx: RequestContext, message: InvitationEmailMessage): Promise<DeliveryOutcome> {
  const done = await ctx.db
    .select({ emailId: emailDeliveries.emailId })
    .from(emailDeliveries)
    .where(eq(emailDeliveries.emailId, message.emailId))
    .get();
  if (done) return "already_sent";

  const row = await ctx.db
    .select({ invitation: invitations, organization: organizations })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .where(eq(invitations.id, message.invitationId))
    .get();
  if (!row || row.invitation.emailId !== message.emailId || row.invitation.status !== "pending") return "superseded";

  const { invitation, organization } = row;
  const record = await authCache.organization(ctx, organization.id);
  const rendered = renderInvitationEmail({
    organizationName: organization.name,
    organizationLogo: organization.logo,
    inviterName: invitation.inviterName,
    roleName: record ? roleIn(record, invitation.roleKey).name : invitation.roleKey,
    acceptUrl: `${appOrigin(ctx.env, message.appUrl)}/invitations/${message.token}`,
    expiresAt: invitation.expiresAt,
  });
  await providerFor(ctx).send(ctx, { id: message.emailId, to: invitation.email, from: ctx.env.EMAIL_FROM, ...rendered });
  await setDeliveryStatus(ctx, message.emailId, "sent", null);
  return "sent";
}

/** Records the delivery state on the invitation, if it still expects this email. */
export async function setDeliveryStatus(ctx: RequestContext, emailId: string, status: "sent" | "failed" | "queued", error: string | null) {
  await ctx.db
    .update(invitations)
    .set({ deliveryStatus: status, deliveryError: error })
    .where(and(eq(invitations.emailId, emailId)))
    .run();
}

/** Exponential backoff: 30 s, 60 s, 120 s, … capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600);
}

export const isRetryable = (error: unknown) => !(error instanceof ProviderError) || error.retryable;
