import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, organizations } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, forbidden, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { mintToken, sha256Hex, tokenStart } from "../../lib/tokens";
import { permissionCatalog } from "../../domain/permissions";
import type { RateLimitTier } from "../../domain/rate-limits";
import { callerOf, freshScope, requirePermission, requireVerifiedEmailToArm } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import type { OrgScope } from "../auth/principal";
import { roleIn } from "../permissions/role-in";
import { assertCanGrant } from "../permissions/escalation";
import { unknownRole } from "../permissions/roles-in-org";
import { changedFields, isoTime } from "../record-views";
import {
  CHANGED_CONCURRENTLY,
  findInOrg,
  insertRowWhere,
  isRoleNotFound,
  untilApplied,
  updateInOrgIfUnchanged,
} from "../../db/tenant-rows";
import { previousStatementChanged } from "../events/recorder";
import { apiKeyEventObject, apiKeyView, type ApiKeyRow } from "./api-keys";

/** How long a rolled key keeps working by default, and at most (seconds). */
export const DEFAULT_ROLL_OVERLAP_SECONDS = 86_400;
export const MAX_ROLL_OVERLAP_SECONDS = 604_800;

/**
 * The no-escalation rule for a change to an existing key: the caller must hold every permission the
 * key's role grants, as it must to create such a key (a Member-level key manager cannot re-tier or
 * roll an Admin key).
 */
function assertMayManage(ctx: RequestContext, scope: OrgScope, row: ApiKeyRow) {
  const missing = [...roleIn(scope.organization, row.roleKey, permissionCatalog(ctx.env)).permissions].filter(
    (p) => !scope.role.permissions.has(p),
  );
  if (missing.length > 0)
    throw forbidden(`You cannot change a key whose role grants permissions you do not hold: ${missing.sort().join(", ")}.`);
}

/**
 * PATCH a key's `name` and/or `rateLimit` (docs/integration-traffic.md). The change is guarded on
 * the row as read and the caller's standing, recorded as `api_key.updated` in the same batch, and
 * the key's cached credential is dropped here and from KV, so a new tier counts from this isolate's
 * next request (elsewhere within the cache's bound). `{}` changes nothing and records nothing.
 */
export function updateApiKey({ ctx, input }: { ctx: RequestContext; input: { id: string; name?: string; rateLimit?: RateLimitTier } }) {
  const scope = requirePermission(ctx, "api_keys.update");
  return untilApplied(async () => {
    const existing = await findInOrg(ctx, apiKeys, input.id, scope.organization.id, "API key");
    assertMayManage(ctx, scope, existing);
    const changes = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.rateLimit !== undefined ? { rateLimit: input.rateLimit } : {}),
    };
    const updated = { ...existing, ...changes };
    const previous = changedFields({ name: existing.name, rateLimit: existing.rateLimit }, changes);
    if (Object.keys(previous).length === 0) return apiKeyView(existing, scope.organization);
    const standing = callerStanding(ctx, scope);
    const [rows] = await ctx.db.batch([
      updateInOrgIfUnchanged(
        ctx,
        apiKeys,
        existing.id,
        scope.organization.id,
        changes,
        [
          [apiKeys.name, existing.name],
          [apiKeys.rateLimit, existing.rateLimit],
          [apiKeys.roleKey, existing.roleKey],
        ],
        standing.holds,
      ),
      ctx.events.record("api_key.updated", apiKeyEventObject(updated, scope.organization), previous, { when: previousStatementChanged }),
    ]);
    if (rows.length === 0) {
      await assertCallerStands(ctx, scope, standing);
      return CHANGED_CONCURRENTLY;
    }
    await authCache.invalidateCredential(ctx, existing.keyHash);
    return apiKeyView(updated, scope.organization);
  });
}

const rolledKey = alias(apiKeys, "rolled_key");

/**
 * Rolls a key (docs/integration-traffic.md): a new key with the old one's name, role and rateLimit
 * (no expiry of its own; the secret shown once), and the old key's `expiresAt` brought forward to
 * now + `expiresIn` (never pushed later than an expiry it already had). One batch: the new key is
 * inserted only while the old one is still active in this organization and the caller still stands
 * where its checks were made; the old key's expiry changes only if that insert happened; the
 * `api_key.rolled` event only if both did. The old key's cached credential is dropped at once, so
 * `expiresIn: 0` ends it on this isolate's very next request.
 */
export async function rollApiKey({ ctx, input }: { ctx: RequestContext; input: { id: string; expiresIn?: number } }) {
  const scope = await freshScope(ctx, requirePermission(ctx, "api_keys.create"));
  await requireVerifiedEmailToArm(ctx);
  const existing = await findInOrg(ctx, apiKeys, input.id, scope.organization.id, "API key");
  const now = Date.now();
  if (existing.expiresAt !== null && existing.expiresAt.getTime() <= now) throw expiredKey();
  assertCanGrant(scope, roleIn(scope.organization, existing.roleKey, permissionCatalog(ctx.env)).permissions);

  const overlapMs = (input.expiresIn ?? DEFAULT_ROLL_OVERLAP_SECONDS) * 1000;
  const oldExpiresAt = new Date(Math.min(now + overlapMs, existing.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY));
  const secret = mintToken("apiKey");
  const principal = callerOf(ctx);
  const row: ApiKeyRow = {
    id: newId("key"),
    organizationId: scope.organization.id,
    name: existing.name,
    roleKey: existing.roleKey,
    keyHash: await sha256Hex(secret),
    start: tokenStart(secret),
    createdByUserId: principal.kind === "session" ? principal.user.id : null,
    expiresAt: null,
    lastUsedAt: null,
    createdAt: new Date(now),
    rateLimit: existing.rateLimit,
  };
  const standing = callerStanding(ctx, scope, { verifiedEmail: true });
  const oldStillActive = sql`EXISTS (SELECT 1 FROM ${apiKeys} AS ${rolledKey} WHERE ${and(
    eq(rolledKey.id, existing.id),
    eq(rolledKey.organizationId, scope.organization.id),
    or(isNull(rolledKey.expiresAt), gt(rolledKey.expiresAt, new Date(now))),
  )})`;
  const [inserted] = await ctx.db
    .batch([
      insertRowWhere(
        ctx.db,
        apiKeys,
        row,
        organizations,
        and(eq(organizations.id, scope.organization.id), standing.holds, oldStillActive)!,
      ).returning({ id: apiKeys.id }),
      ctx.db
        .update(apiKeys)
        .set({ expiresAt: oldExpiresAt })
        .where(and(eq(apiKeys.id, existing.id), eq(apiKeys.organizationId, scope.organization.id), previousStatementChanged)),
      ctx.events.record(
        "api_key.rolled",
        apiKeyEventObject(row, scope.organization),
        { id: existing.id, expiresAt: isoTime(oldExpiresAt) },
        { when: previousStatementChanged },
      ),
    ])
    .catch((error: unknown) => {
      throw isRoleNotFound(error) ? unknownRole(roleIn(scope.organization, existing.roleKey).name) : error;
    });
  if (inserted.length === 0) {
    await assertCallerStands(ctx, scope, standing);
    // The old key went (revoked, its organization deleted) or expired since it was read.
    const now = await ctx.primary.select({ expiresAt: apiKeys.expiresAt }).from(apiKeys).where(eq(apiKeys.id, existing.id)).get();
    throw now ? expiredKey() : notFound("API key");
  }
  await authCache.invalidateCredential(ctx, existing.keyHash);
  return { ...apiKeyView(row, scope.organization), key: secret };
}

const expiredKey = () => new ApiError("conflict", "This API key has expired: it cannot be rolled. Create a new key instead.");
