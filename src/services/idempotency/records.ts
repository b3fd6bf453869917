import { and, eq, lte, sql } from "drizzle-orm";
import { idempotencyRecords } from "../../db/schema";
import { rowidOf } from "../../db/schema/search";
import type { RequestContext } from "../../context";
import { decryptText, deriveAesKey, encryptText } from "../../lib/aead";
import { sha256Hex } from "../../lib/tokens";

/** How long a first response is kept for replays. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Who a record belongs to: the organization acted in and the credential's principal. */
export interface IdempotencyScope {
  organizationId: string;
  principalId: string;
}

export interface StoredResponse {
  status: number;
  contentType: string | null;
  body: string;
}

export type Claim =
  | { kind: "claimed"; keyHash: string }
  | { kind: "in_progress" }
  | { kind: "reused" }
  | { kind: "replay"; response: StoredResponse };

const where = (scope: IdempotencyScope, keyHash: string) =>
  and(
    eq(idempotencyRecords.organizationId, scope.organizationId),
    eq(idempotencyRecords.principalId, scope.principalId),
    eq(idempotencyRecords.keyHash, keyHash),
  );

/** The body is encrypted under a key only the client holds: derived from the Idempotency-Key itself. */
const bodyKey = (key: string, scope: IdempotencyScope) =>
  deriveAesKey(key, `${scope.organizationId}:${scope.principalId}`, "idempotent-response-v1");

/**
 * Claims `key` for this request in one statement: a new record, or one whose 24 h are over, becomes
 * ours (`in_progress`); otherwise the existing record says what to answer. Concurrent requests with
 * one key: exactly one claims it.
 */
export async function claimIdempotencyKey(ctx: RequestContext, scope: IdempotencyScope, key: string, requestHash: string): Promise<Claim> {
  const keyHash = await sha256Hex(key);
  const now = new Date();
  const fresh = {
    requestHash,
    state: "in_progress" as const,
    responseStatus: null,
    responseContentType: null,
    responseBody: null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
  };
  const claimed = await ctx.db
    .insert(idempotencyRecords)
    .values({ ...scope, keyHash, ...fresh })
    .onConflictDoUpdate({
      target: [idempotencyRecords.organizationId, idempotencyRecords.principalId, idempotencyRecords.keyHash],
      set: fresh,
      setWhere: lte(idempotencyRecords.expiresAt, now),
    })
    .returning({ keyHash: idempotencyRecords.keyHash })
    .get();
  if (claimed) return { kind: "claimed", keyHash };

  const existing = await ctx.db.select().from(idempotencyRecords).where(where(scope, keyHash)).get();
  if (!existing) return { kind: "in_progress" }; // released a moment ago: the client retries
  if (existing.requestHash !== requestHash) return { kind: "reused" };
  if (existing.state !== "completed" || existing.responseBody === null || existing.responseStatus === null) return { kind: "in_progress" };
  const body = await decryptText(await bodyKey(key, scope), existing.responseBody);
  return { kind: "replay", response: { status: existing.responseStatus, contentType: existing.responseContentType, body } };
}

/** Keeps the first response (encrypted) for 24 h of replays. */
export async function completeIdempotencyKey(
  ctx: RequestContext,
  scope: IdempotencyScope,
  key: string,
  keyHash: string,
  response: StoredResponse,
): Promise<void> {
  const sealed = await encryptText(await bodyKey(key, scope), response.body);
  await ctx.db
    .update(idempotencyRecords)
    .set({ state: "completed", responseStatus: response.status, responseContentType: response.contentType, responseBody: sealed })
    .where(and(where(scope, keyHash), eq(idempotencyRecords.state, "in_progress")))
    .run();
}

/** Gives the key back (the request failed in a way a retry may fix: a 5xx or a 429). */
export async function releaseIdempotencyKey(ctx: RequestContext, scope: IdempotencyScope, keyHash: string): Promise<void> {
  await ctx.db
    .delete(idempotencyRecords)
    .where(and(where(scope, keyHash), eq(idempotencyRecords.state, "in_progress")))
    .run();
}

/** Scheduled clean-up: deletes expired records, at most `batches` × `batchSize` rows per run. */
export async function pruneIdempotencyRecords(
  ctx: RequestContext,
  { now = Date.now(), batchSize = 1000, batches = 10 } = {},
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < batches; i++) {
    const result = await ctx.db.run(
      sql`DELETE FROM ${idempotencyRecords} WHERE ${rowidOf(idempotencyRecords)} IN (SELECT ${rowidOf(idempotencyRecords)} FROM ${idempotencyRecords} WHERE ${idempotencyRecords.expiresAt} <= ${now} LIMIT ${batchSize})`,
    );
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < batchSize) break;
  }
  return deleted;
}
