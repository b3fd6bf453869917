import { z } from "zod";
import { idSchema } from "../../lib/ids";

/**
 * Messages on the EMAILS queue. `emailId` identifies one email: a redelivery of the same message
 * carries the same id, which the consumer checks in D1 and hands to providers as idempotency key.
 * The link token travels in the message because only its hash is stored.
 */
export const InvitationEmailMessage = z.strictObject({
  type: z.literal("invitation"),
  emailId: idSchema("eml"),
  invitationId: idSchema("inv"),
  token: z.string().min(1).max(100),
});
export type InvitationEmailMessage = z.infer<typeof InvitationEmailMessage>;

export const EmailMessage = z.discriminatedUnion("type", [InvitationEmailMessage]);
export type EmailMessage = z.infer<typeof EmailMessage>;
