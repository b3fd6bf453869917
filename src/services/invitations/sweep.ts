import type { RequestContext } from "../../context";

/**
 * Scheduled: stores pending invitations past their expiry as `expired`, at most `batches` ×
 * `batchSize` rows per run, through invitations_status_expires_at_idx. A client already reads them
 * as expired; the sweep is what brings the stored pending-invitation counter
 * (organizations.pending_invitation_count, kept by a trigger on the status change) and the
 * `status=expired` filter's second branch back to the truth.
 */
export async function sweepExpiredInvitations(ctx: RequestContext, { now = Date.now(), batchSize = 500, batches = 10 } = {}): Promise<number> {
  let swept = 0;
  for (let i = 0; i < batches; i++) {
    const result = await ctx.env.DB.prepare(
      "UPDATE invitations SET status = 'expired' WHERE rowid IN (SELECT rowid FROM invitations WHERE status = 'pending' AND expires_at <= ?1 LIMIT ?2)",
    )
      .bind(now, batchSize)
      .run();
    const changes = result.meta.changes ?? 0;
    swept += changes;
    if (changes < batchSize) break;
  }
  return swept;
}
