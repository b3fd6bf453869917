import { desc, eq } from "drizzle-orm";
import { emailOutbox } from "../../db/schema";
import type { RequestContext } from "../../context";
import { isoTime } from "../record-views";

/** The development mailbox (EMAIL_PROVIDER=outbox), newest first. */
export async function readOutbox(ctx: RequestContext, to: string | undefined) {
  const rows = await ctx.db
    .select()
    .from(emailOutbox)
    .where(to ? eq(emailOutbox.to, to.toLowerCase()) : undefined)
    .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
    .limit(50);
  return rows.map((row) => ({ ...row, createdAt: isoTime(row.createdAt) }));
}
