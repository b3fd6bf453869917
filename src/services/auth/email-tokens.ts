import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { emailTokens, type EmailTokenKind } from "../../db/schema";
import type { RequestContext } from "../../context";
import { appUrl } from "../../lib/app-url";
import { ApiError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { mintToken, parseToken, sha256Hex, type TokenKind } from "../../lib/tokens";
import type { AccountEmailMessage } from "../emails/messages";

/** How long an emailed link works: a day to verify an address, an hour to reset a password. */
export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenKind, number> = {
  verify_email: 24 * 60 * 60 * 1000,
  reset_password: 60 * 60 * 1000,
};

const TOKEN_KIND: Record<EmailTokenKind, TokenKind> = { verify_email: "emailVerification", reset_password: "passwordReset" };

export type EmailTokenRow = typeof emailTokens.$inferSelect;

/** A new single-use token for `user`'s address (256 random bits; only its hash is stored) and its email. */
export async function newEmailToken(ctx: RequestContext, kind: EmailTokenKind, user: { id: string; email: string }, now = new Date()) {
  const token = mintToken(TOKEN_KIND[kind]);
  const row: EmailTokenRow = {
    id: newId("etk"),
    kind,
    tokenHash: await sha256Hex(token),
    userId: user.id,
    email: user.email,
    emailId: newId("eml"),
    expiresAt: new Date(now.getTime() + EMAIL_TOKEN_TTL_MS[kind]),
    usedAt: null,
    claim: null,
    createdAt: now,
  };
  const message = { type: kind, emailId: row.emailId, tokenId: row.id, token, appUrl: appUrl(ctx) } as AccountEmailMessage;
  return { row, message };
}

/** Batch statements storing a new token: earlier unused links of the same kind stop working. */
export function storeEmailToken(ctx: RequestContext, row: EmailTokenRow) {
  return [
    ctx.db
      .update(emailTokens)
      .set({ usedAt: row.createdAt })
      .where(and(eq(emailTokens.userId, row.userId), eq(emailTokens.kind, row.kind), isNull(emailTokens.usedAt))),
    ctx.db.insert(emailTokens).values(row),
  ] as const;
}

/** Queues the email after its token is stored. A failed send is logged: the user can ask again. */
export async function enqueueAccountEmail(ctx: RequestContext, message: AccountEmailMessage): Promise<void> {
  try {
    await ctx.env.EMAILS.send(message);
  } catch (error) {
    ctx.log.error("email_enqueue_failed", { type: message.type, error: String(error) });
  }
}

/**
 * The live token behind an emailed link. A value of the wrong shape or kind is a 404 without any
 * D1 read; unknown, used or replaced → 404; past its expiry → 410 `token_expired`.
 */
export async function findLiveEmailToken(ctx: RequestContext, token: string, kind: EmailTokenKind): Promise<EmailTokenRow> {
  const what = kind === "verify_email" ? "Verification link" : "Password-reset link";
  if (parseToken(token) !== TOKEN_KIND[kind]) throw notFound(what);
  const row = await ctx.db
    .select()
    .from(emailTokens)
    .where(eq(emailTokens.tokenHash, await sha256Hex(token)))
    .get();
  if (!row || row.kind !== kind || row.usedAt !== null) throw notFound(what);
  if (row.expiresAt.getTime() <= Date.now()) {
    throw new ApiError(
      "token_expired",
      kind === "verify_email"
        ? "This verification link has expired. Ask for a new one."
        : "This reset link has expired. Ask for a new one.",
    );
  }
  return row;
}

/**
 * Using a token: the first statement of the batch claims it (unused and unexpired → used, with a
 * random claim value; it returns the row when the claim is ours), and `claimed` guards every later
 * statement, so of two concurrent uses exactly one changes anything.
 */
export function claimEmailToken(
  ctx: RequestContext,
  row: EmailTokenRow,
  now: Date,
): { claim: ReturnType<typeof claimStatement>; claimed: SQL } {
  const claim = crypto.randomUUID();
  return {
    claim: claimStatement(ctx, row, now, claim),
    claimed: sql`EXISTS (SELECT 1 FROM ${emailTokens} WHERE ${emailTokens.id} = ${row.id} AND ${emailTokens.claim} = ${claim})`,
  };
}

function claimStatement(ctx: RequestContext, row: EmailTokenRow, now: Date, claim: string) {
  return ctx.db
    .update(emailTokens)
    .set({ usedAt: now, claim })
    .where(and(eq(emailTokens.id, row.id), isNull(emailTokens.usedAt), sql`${emailTokens.expiresAt} > ${now.getTime()}`))
    .returning({ id: emailTokens.id });
}
