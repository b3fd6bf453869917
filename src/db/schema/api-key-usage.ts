import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { apiKeys } from "./api-keys";

/**
 * Usage per API key and bucket (an hour or a UTC day), summed by the USAGE queue's consumer
 * (services/traffic/usage-ingest.ts): one upsert per key and bucket per batch. Kept 90 days.
 */
export const apiKeyUsage = sqliteTable(
  "api_key_usage",
  {
    apiKeyId: text("api_key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    /** The key's organization, copied from api_keys when the row is first written: reads filter by it. */
    organizationId: text("organization_id").notNull(),
    /** `hour` or `day`. */
    granularity: text("granularity", { enum: ["hour", "day"] }).notNull(),
    /** Start of the bucket, epoch milliseconds (UTC). */
    bucketStart: integer("bucket_start").notNull(),
    requests: integer("requests").notNull().default(0),
    clientErrors: integer("client_errors").notNull().default(0),
    serverErrors: integer("server_errors").notNull().default(0),
    rateLimited: integer("rate_limited").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.granularity, t.bucketStart] }), index("api_key_usage_bucket_start_idx").on(t.bucketStart)],
);
