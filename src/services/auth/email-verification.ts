import { and, eq, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { userView } from "../record-views";
import { claimEmailToken, enqueueAccountEmail, findLiveEmailToken, newEmailToken, storeEmailToken } from "./email-tokens";
import { sessionCaller } from "./guards";
import { enforceRateLimit } from "./rate-limit";

/** The body of `POST /api/auth/email-verification`'s 202. */
export const EMAIL_VERIFICATION_QUEUED =
  "We sent a new verification link to your address. It works for 24 hours; earlier links no longer do.";

/**
 * Emails the signed-in user a new verification link (the previous one stops working). A verified
 * address → 409. Rate limited per user (RATE_LIMIT_EMAIL_SEND) so it cannot be used to flood a mailbox.
 */
export async function requestEmailVerification({ ctx }: { ctx: RequestContext }) {
  const principal = sessionCaller(ctx);
  // Fresh from D1: the cached record may predate a verification done a moment ago elsewhere.
  const user = await ctx.db
    .select({ id: users.id, email: users.email, emailVerified: users.emailVerified })
    .from(users)
    .where(eq(users.id, principal.user.id))
    .get();
  if (!user) throw notFound("User");
  if (user.emailVerified) throw new ApiError("email_already_verified", "This email address is already verified.");
  await enforceRateLimit(ctx.env.RATE_LIMIT_EMAIL_SEND, `verify:${user.id}`);
  const { row, message } = await newEmailToken(ctx, "verify_email", user);
  await ctx.db.batch([...storeEmailToken(ctx, row)]);
  await enqueueAccountEmail(ctx, message);
}

/**
 * The link's token proves the mailbox: the address it was sent to becomes verified. Single use,
 * 24 h; used or replaced → 404, expired → 410.
 */
export async function confirmEmailVerification({ ctx, input }: { ctx: RequestContext; input: { token: string } }) {
  const row = await findLiveEmailToken(ctx, input.token, "verify_email");
  const now = new Date();
  const { claim, claimed } = claimEmailToken(ctx, row, now);
  const [claimedRows, verified] = await ctx.db.batch([
    claim,
    ctx.db
      .update(users)
      .set({ emailVerified: true, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now.getTime()})`, updatedAt: now })
      // The token proves the address it was sent to, not whatever the account holds now.
      .where(and(eq(users.id, row.userId), eq(users.email, row.email), claimed))
      .returning({ id: users.id, email: users.email, name: users.name, emailVerified: users.emailVerified }),
  ]);
  if (claimedRows.length === 0) throw notFound("Verification link"); // a concurrent use won
  await authCache.invalidateUser(ctx, row.userId);
  const user = verified[0];
  if (!user) throw notFound("Verification link");
  return { user: userView(user) };
}
