import { sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../db/client";
import { events } from "../../db/schema";
import { insertRowWhere } from "../../db/tenant-rows";
import { newId } from "../../lib/ids";
import { SYSTEM_ACTOR, type Actor, type EventType } from "../../domain/event-types";
import type { Logger } from "../../lib/log";
import type { Principal } from "../auth/principal";
import type { WebhookMessage } from "../webhooks/messages";

export interface RecordOptions {
  /** Defaults to the organization the caller acts in. */
  organizationId?: string;
  /** Defaults to the caller (user or API key), or `system` without one. */
  actor?: Actor;
  /**
   * A guard: the event is written only if this holds when its statement runs (e.g.
   * `changes() > 0` right after a guarded UPDATE, or the claim of a single-use token), so a
   * change that did not happen leaves no event.
   */
  when?: SQL;
}

/**
 * `ctx.events`: appends a change's event to the change's own `db.batch` (never a second round
 * trip), and remembers what it recorded so the caller can hand the ids to the WEBHOOKS queue once
 * the batch is done (`publish`, after the response). The consumer tolerates an id whose batch
 * failed or whose guard did not hold: it finds no row and drops the message.
 */
export interface EventRecorder {
  record(type: EventType, object: unknown, previous?: Record<string, unknown> | null, options?: RecordOptions): BatchItem<"sqlite">;
  /** Ids recorded so far by this context. */
  readonly recorded: readonly string[];
  /** Enqueues one fan-out message per recorded event (then forgets them). Never throws. */
  publish(): Promise<void>;
}

export interface RecorderDeps {
  db: () => Database;
  requestId: string;
  principal: () => Principal | undefined;
  queue: () => Queue<unknown> | undefined;
  log: Logger;
}

export function actorOf(principal: Principal | undefined): Actor {
  if (!principal) return SYSTEM_ACTOR;
  if (principal.kind === "api_key") return { type: "api_key", id: principal.keyId, name: principal.keyName };
  return { type: "user", id: principal.user.id, name: principal.user.name };
}

export function createEventRecorder(deps: RecorderDeps): EventRecorder {
  const recorded: string[] = [];
  return {
    get recorded() {
      return recorded;
    },
    record(type, object, previous, options = {}) {
      const principal = deps.principal();
      const organizationId = options.organizationId ?? principal?.scope?.organization.id;
      if (!organizationId) throw new Error(`event ${type} recorded without an organization`);
      const actor = options.actor ?? actorOf(principal);
      const now = Date.now();
      const row = {
        // The id's time is the event's createdAt: since/until filters bound the id (audit-log.ts).
        id: newId("evt", now),
        organizationId,
        type,
        actorType: actor.type,
        actorId: actor.id,
        actorName: actor.name,
        requestId: deps.requestId,
        data: JSON.stringify(previous ? { object, previous } : { object }),
        createdAt: new Date(now),
      };
      recorded.push(row.id);
      const db = deps.db();
      if (!options.when) return db.insert(events).values(row);
      // INSERT … SELECT <values> FROM (SELECT 1) WHERE <guard>: the row only if the guard holds.
      return insertRowWhere(db, events, row, sql`(SELECT 1)`, options.when);
    },
    async publish() {
      const ids = recorded.splice(0);
      const queue = deps.queue();
      if (ids.length === 0 || !queue) return;
      const messages: { body: WebhookMessage; contentType: "json" }[] = ids.map((eventId) => ({
        body: { kind: "event", eventId },
        contentType: "json",
      }));
      try {
        await queue.sendBatch(messages);
      } catch (error) {
        // The events are stored (the audit log has them); only their webhook deliveries are lost.
        deps.log.error("webhook_enqueue_failed", { eventIds: ids, error: String(error) });
      }
    },
  };
}

/** Guard for `when`: the statement just before this one in the batch changed a row. */
export const previousStatementChanged = sql`changes() > 0`;
