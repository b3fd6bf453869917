import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import { events } from "../../db/schema";
import type { RequestContext } from "../../context";
import { notFound } from "../../lib/errors";
import { idFloorAt } from "../../lib/ids";
import { decodeCursor, toPage } from "../../lib/pagination";
import { requirePermission } from "../auth/guards";
import { eventView } from "./event-views";
import { ALL_EVENT_TYPES } from "../../domain/event-types";

export interface ListEventsInput {
  limit: number;
  cursor?: string;
  /** An exact type, or a prefix ending in `.*` (`member.*`). */
  type?: string;
  actorId?: string;
  since?: string;
  until?: string;
}

/**
 * The audit log, newest first: keyset on (organization_id, [type | actor_id,] id) descending, one
 * D1 query per page. A `prefix.*` type is a range on the type index (`member.` ≤ type < `member/`,
 * '/' being the character after '.'), so it walks the index too. since/until bound the id (ids sort
 * by creation time), which keeps every filter inside the index.
 */
export async function listEvents({ ctx, input }: { ctx: RequestContext; input: ListEventsInput }) {
  const scope = requirePermission(ctx, "audit_logs.read");
  const before = decodeCursor(input.cursor, "evt");
  // `*` selects every type: the same as no filter (the pattern vocabulary a webhook endpoint uses).
  const type = input.type === ALL_EVENT_TYPES ? undefined : input.type;
  const prefix = type?.endsWith(".*") ? type.slice(0, -1) : undefined;
  const rows = await ctx.db
    .select()
    .from(events)
    .where(
      and(
        eq(events.organizationId, scope.organization.id),
        prefix
          ? sql`${events.type} >= ${prefix} AND ${events.type} < ${`${prefix.slice(0, -1)}/`}`
          : type
            ? sql`${events.type} = ${type}`
            : undefined,
        input.actorId ? eq(events.actorId, input.actorId) : undefined,
        input.since ? gte(events.id, idFloorAt("evt", Date.parse(input.since))) : undefined,
        input.until ? lt(events.id, idFloorAt("evt", Date.parse(input.until) + 1)) : undefined,
        before ? lt(events.id, before) : undefined,
      ),
    )
    .orderBy(desc(events.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return { data: page.data.map(eventView), nextCursor: page.nextCursor };
}

export async function getEvent({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "audit_logs.read");
  const row = await ctx.db
    .select()
    .from(events)
    .where(and(eq(events.id, input.id), eq(events.organizationId, scope.organization.id)))
    .get();
  if (!row) throw notFound("Event");
  return eventView(row);
}
