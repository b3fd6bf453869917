/**
 * Entries per USAGE queue message: ~120 bytes each, far below a queue message's 128 KB. Its own
 * module so the producer (usage-buffer.ts, on every API-key request) does not evaluate the
 * messages' zod schemas (usage-messages.ts) for a number.
 */
export const MAX_ENTRIES_PER_MESSAGE = 500;
