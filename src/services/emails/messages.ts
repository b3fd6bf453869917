import { z } from "../../lib/zod";
import { idSchema } from "../../lib/id-schema";

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
  /**
   * The base URL of the link, from the request that queued the email (`appUrl(ctx)`): the consumer
   * has no request of its own. It still goes through `appOrigin`, so outside development, or when
   * absent (older messages), the link is APP_URL's.
   */
  appUrl: z.string().max(200).optional(),
});
export type InvitationEmailMessage = z.infer<typeof InvitationEmailMessage>;

/** Account emails prove a mailbox: a verification link (24 h) or a password-reset link (1 h). */
const accountEmail = <T extends "verify_email" | "reset_password">(type: T) =>
  z.strictObject({
    type: z.literal(type),
    emailId: idSchema("eml"),
    tokenId: idSchema("etk"),
    token: z.string().min(1).max(100),
    /** As for invitations: the requesting origin, used only in development (`appOrigin`). */
    appUrl: z.string().max(200).optional(),
  });
export const VerifyEmailMessage = accountEmail("verify_email");
export const PasswordResetEmailMessage = accountEmail("reset_password");
export type AccountEmailMessage = z.infer<typeof VerifyEmailMessage> | z.infer<typeof PasswordResetEmailMessage>;

export const EmailMessage = z.discriminatedUnion("type", [InvitationEmailMessage, VerifyEmailMessage, PasswordResetEmailMessage]);
export type EmailMessage = z.infer<typeof EmailMessage>;
