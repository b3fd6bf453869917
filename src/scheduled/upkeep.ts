import { buildContext } from "../context";
import type { Env } from "../env";
import { newId } from "../lib/ids";
import { pruneIdempotencyRecords } from "../services/idempotency/records";
import { sweepExpiredInvitations } from "../services/invitations/sweep";

/** The `scheduled()` handler (cron in wrangler.toml): bounded clean-ups, each on its own. */
export async function handleScheduled(env: Env, executionCtx: ExecutionContext): Promise<void> {
  const ctx = buildContext({ env, requestId: newId("req"), waitUntil: (promise) => executionCtx.waitUntil(promise) });
  const [invitations, idempotency] = await Promise.allSettled([sweepExpiredInvitations(ctx), pruneIdempotencyRecords(ctx)]);
  ctx.log.info("scheduled_upkeep", {
    expiredInvitations: invitations.status === "fulfilled" ? invitations.value : String(invitations.reason),
    prunedIdempotencyRecords: idempotency.status === "fulfilled" ? idempotency.value : String(idempotency.reason),
  });
}
