import { and, eq, inArray, lte } from "drizzle-orm";
import { invitations } from "../../db/schema";
import { rowidOf } from "../../db/schema/search";
import type { RequestContext } from "../../context";

/**
 * Scheduled: stores pending invitations past their expiry as `expired`, at most `batches` ×
 * `batchSize` rows per run, through invitations_status_expires_at_idx. A client already reads them
 * as expired; the sweep is what brings the stored pending-invitation counter
 * (organizations.pending_invitation_count, kept by a trigger on the status change) and the
 * `status=expired` filter's second branch back to the truth.
 */
export async function sweepExpiredInvitations(
  ctx: RequestContext,
  { now = Date.now(), batchSize = 500, batches = 10 } = {},
): Promise<number> {
  let swept = 0;
  for (let i = 0; i < batches; i++) {
    // One statement per batch, on the primary: the rows to expire are a bounded rowid subquery.
    const batch = ctx.primary
      .select({ rowid: rowidOf(invitations) })
      .from(invitations)
      .where(and(eq(invitations.status, "pending"), lte(invitations.expiresAt, new Date(now))))
      .limit(batchSize);
    const result = await ctx.primary
      .update(invitations)
      .set({ status: "expired" })
      .where(inArray(rowidOf(invitations), batch))
      .run();
    const changes = result.meta.changes ?? 0;
    swept += changes;
    if (changes < batchSize) break;
  }
  return swept;
}
