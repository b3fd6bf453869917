import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const organizations = sqliteTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Lower-cased name, for the Super Admin's case-insensitive search. */
    nameSearch: text("name_search").notNull(),
    logo: text("logo"),
    timezone: text("timezone").notNull().default("UTC"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("organizations_name_search_idx").on(t.nameSearch)],
);
