import { buildContext } from "./context";
import type { Env } from "./env";
import { newId } from "./lib/ids";
import { pruneEvents, pruneWebhooks } from "./services/events/retention";

/** The Cron Trigger (wrangler.toml `[triggers]`): retention. */
export async function handleScheduled(controller: ScheduledController, env: Env, executionCtx: ExecutionContext): Promise<void> {
  const ctx = buildContext({ env, requestId: newId("req"), waitUntil: (promise) => executionCtx.waitUntil(promise) });
  const events = await pruneEvents(ctx, controller.scheduledTime);
  const webhooks = await pruneWebhooks(ctx, controller.scheduledTime);
  ctx.log.info("retention", { cron: controller.cron, eventsDeleted: events.deleted, eventsDone: events.done, ...webhooks });
}
