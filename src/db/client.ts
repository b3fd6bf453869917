import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/**
 * A drizzle database over a D1 binding or session. Without `{ schema }`: the app writes its
 * queries with the query builder and never uses drizzle's relational API (`db.query.*`), whose
 * config drizzle would otherwise rebuild from every table on each call — that is, per request.
 */
export function createDb(d1: D1Database) {
  return drizzle(d1);
}

export type Database = ReturnType<typeof createDb>;
export { schema };
