import { sqliteTable, text, integer, primaryKey } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations";

/**
 * How many members hold each role name in an organization (system roles included), kept by triggers
 * on `members` inside the writing statement (migrations/0004): the roles list reads at most one row
 * per role instead of grouping the organization's members. Never written by code.
 */
export const roleMemberCounts = sqliteTable(
  "role_member_counts",
  {
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    roleKey: text("role_key").notNull(),
    n: integer("n").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.roleKey] })],
);
