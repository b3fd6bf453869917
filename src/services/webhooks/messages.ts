import { z } from "../../lib/zod";
import { idSchema } from "../../lib/id-schema";

/**
 * Messages on the WEBHOOKS queue, two kinds:
 * - `event`: an event was recorded; the consumer fans it out to the organization's matching
 *   enabled endpoints (one delivery row per event × endpoint) and enqueues one `delivery` each;
 * - `delivery`: one attempt (and its retries) of one delivery. `manual` marks POST …/retry;
 *   `organizationId` lets the consumer cap each organization's attempts in flight without a read
 *   (src/queues/webhooks.ts). Messages queued before it existed lack it and share one lane.
 */
export const EventFanOutMessage = z.strictObject({ kind: z.literal("event"), eventId: idSchema("evt") });
export const DeliveryMessage = z.strictObject({
  kind: z.literal("delivery"),
  deliveryId: idSchema("dlv"),
  organizationId: idSchema("org").optional(),
  manual: z.boolean().optional(),
});
export const WebhookMessage = z.discriminatedUnion("kind", [EventFanOutMessage, DeliveryMessage]);
export type WebhookMessage = z.infer<typeof WebhookMessage>;
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;
