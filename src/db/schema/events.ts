import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { ACTOR_TYPES, EVENT_TYPES } from "../../domain/event-types";

/**
 * One row per change to an organization, written in the change's own batch (ctx.events.record).
 * No foreign key to organizations on purpose: the audit trail outlives a deleted organization
 * until retention (EVENT_RETENTION_DAYS) prunes it, oldest ids first.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull(),
    type: text("type", { enum: EVENT_TYPES }).notNull(),
    actorType: text("actor_type", { enum: ACTOR_TYPES }).notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name").notNull(),
    requestId: text("request_id").notNull(),
    /** `{ object, previous? }` as JSON: the resource as the API returns it (never a secret). */
    data: text("data").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** When the WEBHOOKS consumer fanned it out to the matching endpoints (null until then). */
    fannedOutAt: integer("fanned_out_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("events_organization_id_id_idx").on(t.organizationId, t.id),
    index("events_organization_id_type_id_idx").on(t.organizationId, t.type, t.id),
    index("events_organization_id_actor_id_id_idx").on(t.organizationId, t.actorId, t.id),
    // An account's deletion names its user by id only in every event it acted in (migrations/0010).
    index("events_actor_id_idx").on(t.actorId),
  ],
);
