import type { RequestContext } from "../../context";

/** One prepared `SELECT 1` on D1: the cheapest possible D1 round trip (the benchmark's bar). */
export async function pingDatabase(ctx: RequestContext): Promise<void> {
  await ctx.d1.prepare("SELECT 1 AS one").first();
}
