import { eq } from "drizzle-orm";
import { emailDeliveries, emailTokens, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { appOrigin } from "../../lib/app-url";
import type { AccountEmailMessage } from "./messages";
import { providerFor } from "./providers";
import { renderPasswordResetEmail, renderVerificationEmail } from "./render";
import type { DeliveryOutcome } from "./deliver-invitation";

const PAGES = { verify_email: "verify-email", reset_password: "reset-password" } as const;

/**
 * Sends one verification or password-reset email, at most once per `emailId`. An email whose token
 * was used, replaced by a newer one, or has expired since it was queued is dropped: its link would
 * not work anyway.
 */
export async function deliverAccountEmail(ctx: RequestContext, message: AccountEmailMessage): Promise<DeliveryOutcome> {
  const done = await ctx.db
    .select({ emailId: emailDeliveries.emailId })
    .from(emailDeliveries)
    .where(eq(emailDeliveries.emailId, message.emailId))
    .get();
  if (done) return "already_sent";

  const row = await ctx.db
    .select({ token: emailTokens, name: users.name })
    .from(emailTokens)
    .innerJoin(users, eq(users.id, emailTokens.userId))
    .where(eq(emailTokens.id, message.tokenId))
    .get();
  if (
    !row ||
    row.token.kind !== message.type ||
    row.token.emailId !== message.emailId ||
    row.token.usedAt !== null ||
    row.token.expiresAt.getTime() <= Date.now()
  ) {
    return "superseded";
  }
  const data = {
    name: row.name,
    url: `${appOrigin(ctx.env, message.appUrl)}/${PAGES[message.type]}/${message.token}`,
    expiresAt: row.token.expiresAt,
  };
  const rendered = message.type === "verify_email" ? renderVerificationEmail(data) : renderPasswordResetEmail(data);
  await providerFor(ctx).send(ctx, { id: message.emailId, to: row.token.email, from: ctx.env.EMAIL_FROM, ...rendered });
  return "sent";
}
