import { z } from "../../lib/zod";
import { idSchema } from "../../lib/id-schema";
import { MAX_ENTRIES_PER_MESSAGE } from "./usage-message-size";

const count = z.number().int().min(0);

/**
 * One API key's counts in one hour, as an isolate summed them (services/traffic/usage-buffer.ts).
 * `hour` is the start of the UTC hour (epoch ms); `lastUsedAt` the latest request among them.
 */
export const UsageEntry = z.strictObject({
  keyId: idSchema("key"),
  hour: z.number().int().min(0),
  requests: count,
  clientErrors: count,
  serverErrors: count,
  rateLimited: count,
  lastUsedAt: z.number().int().min(0),
});
export type UsageEntry = z.infer<typeof UsageEntry>;

/** A message on the USAGE queue: one isolate's flush (or part of it, when it holds many keys). */
export const UsageMessage = z.strictObject({ kind: z.literal("usage"), entries: z.array(UsageEntry).min(1).max(MAX_ENTRIES_PER_MESSAGE) });
export type UsageMessage = z.infer<typeof UsageMessage>;
