import { z } from "zod";

/**
 * Messages on the EMAILS queue. `emailId` identifies one email: a redelivery of the same message
 * carries the same id, which the consumer checks in D1 and hands to providers as idempotency key.
 * The link token travels in the message because only its hash is stored.
 */
export const InvitationEmailMessage = z.strictObject({
  type: z.literal("invitation"),
  emailId: z.string().regex(/^eml_[0-9A-Z]{26}$/),
  invitationId: z.string().regex(/^inv_[0-9A-Z]{26}$/),
  token: z.string().min(1).max(100),
  /**
   * The base URL of the link, from the request that queued the email (`appUrl(ctx)`): the consumer
   * has no request of its own. It still goes through `appOrigin`, so outside development, or when
   * absent (older messages), the link is APP_URL's.
   */
  appUrl: z.string().max(200).optional(),
});
export type InvitationEmailMessage = z.infer<typeof InvitationEmailMessage>;

export const EmailMessage = z.discriminatedUnion("type", [InvitationEmailMessage]);
export type EmailMessage = z.infer<typeof EmailMessage>;
