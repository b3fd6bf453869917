import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations";
import { users } from "./users";

export const members = sqliteTable(
  "members",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /**
     * The lower-cased role *name* (`admin`, `member`, or an org role's name). Held by name, not id,
     * because an org role named like a system role shadows it for every holder of that name.
     */
    roleKey: text("role_key").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("members_organization_id_user_id_idx").on(t.organizationId, t.userId),
    index("members_organization_id_id_idx").on(t.organizationId, t.id),
    // In rowid order within the organization (an index's entries end with the rowid): a small
    // organization's member search walks its own rows in the order the search cursor follows.
    index("members_organization_id_rowid_idx").on(t.organizationId),
    // Role filter in keyset order (and the last-admin guard, the role-in-use check).
    index("members_organization_id_role_key_id_idx").on(t.organizationId, t.roleKey, t.id),
    index("members_user_id_id_idx").on(t.userId, t.id),
  ],
);
