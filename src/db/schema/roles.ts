import { sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations";

/** Organization-scoped roles. System roles (Admin, Member) live in code: src/domain/permissions.ts. */
export const roles = sqliteTable(
  "roles",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Lower-cased name: unique per organization, and what holders reference. */
    nameKey: text("name_key").notNull(),
    /**
     * The name's confusable skeleton (NFKC, case-folded, look-alikes mapped to Latin): unique per
     * organization, so "Аdmin" (Cyrillic А) can neither pass for Admin nor sit beside a role "admin".
     */
    nameSkeleton: text("name_skeleton").notNull(),
    description: text("description").notNull().default(""),
    /** JSON array of permission names. */
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("roles_organization_id_name_key_idx").on(t.organizationId, t.nameKey),
    uniqueIndex("roles_organization_id_name_skeleton_idx").on(t.organizationId, t.nameSkeleton),
  ],
);
