import { and, eq, ne, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { hashPassword, verifyPassword } from "../../lib/passwords";
import { sessionCaller } from "./guards";
import { enforceRateLimit } from "./rate-limit";

/**
 * Changes the signed-in user's password after checking the current one (rate limited per user, so
 * a stolen session cannot be used to guess it), and revokes every *other* session of the user in
 * the same batch. The UPDATE is guarded by the old hash: of two concurrent changes one wins.
 */
export async function changePassword({ ctx, input }: { ctx: RequestContext; input: { currentPassword: string; newPassword: string } }) {
  const principal = sessionCaller(ctx);
  await enforceRateLimit(ctx.env.RATE_LIMIT_EMAIL, `password:${principal.user.id}`);
  const user = await ctx.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, principal.user.id)).get();
  if (!user) throw notFound("User");
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new ApiError("current_password_incorrect", "The current password is not right.");
  }
  const passwordHash = await hashPassword(input.newPassword);
  const [changed, revoked] = await ctx.db.batch([
    ctx.db
      .update(users)
      .set({ passwordHash, updatedAt: new Date() })
      .where(and(eq(users.id, principal.user.id), eq(users.passwordHash, user.passwordHash)))
      .returning({ id: users.id }),
    ctx.db
      .delete(sessions)
      .where(
        and(
          eq(sessions.userId, principal.user.id),
          ne(sessions.id, principal.sessionId),
          sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${principal.user.id} AND ${users.passwordHash} = ${passwordHash})`,
        ),
      )
      .returning({ tokenHash: sessions.tokenHash }),
  ]);
  if (changed.length === 0) throw new ApiError("conflict", "The password was changed by another request at the same time. Try again.");
  await Promise.all(revoked.map((s) => authCache.invalidateCredential(ctx, s.tokenHash)));
}
