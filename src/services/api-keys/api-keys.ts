import { and, asc, eq, gt } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, organizations } from "../../db/schema";
import { findInOrg, insertRowWhere, isRoleNotFound } from "../../db/tenant-rows";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { decodeCursor, toPage } from "../../lib/pagination";
import { mintToken, sha256Hex, tokenStart } from "../../lib/tokens";
import { callerOf, freshScope, requirePermission, requireVerifiedEmailToArm } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import { roleIn } from "../permissions/role-in";
import { assertCanGrant } from "../permissions/escalation";
import { findAssignableRole, unknownRole } from "../permissions/roles-in-org";
import { permissionCatalog } from "../../domain/permissions";
import { isoTime, roleRefView } from "../record-views";
import type { OrganizationRecord } from "../../domain/records";
import { previousStatementChanged } from "../events/recorder";
import { DEFAULT_RATE_LIMIT_TIER, type RateLimitTier } from "../../domain/rate-limits";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function apiKeyView(row: ApiKeyRow, organization: OrganizationRecord) {
  return {
    id: row.id,
    name: row.name,
    start: row.start,
    role: roleRefView(roleIn(organization, row.roleKey)),
    rateLimit: row.rateLimit,
    expiresAt: row.expiresAt ? isoTime(row.expiresAt) : null,
    lastUsedAt: row.lastUsedAt ? isoTime(row.lastUsedAt) : null,
    createdAt: isoTime(row.createdAt),
  };
}

export async function createApiKey({
  ctx,
  input,
}: {
  ctx: RequestContext;
  input: { name: string; role: string; expiresAt?: string; rateLimit?: RateLimitTier };
}) {
  const scope = await freshScope(ctx, requirePermission(ctx, "api_keys.create"));
  await requireVerifiedEmailToArm(ctx);
  const { key: roleKey, role } = findAssignableRole(scope.organization, input.role, permissionCatalog(ctx.env));
  assertCanGrant(scope, role.permissions);
  const now = new Date();
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw new ApiError("validation_failed", "expiresAt must be in the future.", {
      errors: [{ path: "expiresAt", message: "Must be in the future." }],
    });
  }
  const secret = mintToken("apiKey");
  const principal = callerOf(ctx);
  const row: ApiKeyRow = {
    id: newId("key"),
    organizationId: scope.organization.id,
    name: input.name,
    roleKey,
    keyHash: await sha256Hex(secret),
    start: tokenStart(secret),
    createdByUserId: principal.kind === "session" ? principal.user.id : null,
    expiresAt,
    lastUsedAt: null,
    createdAt: now,
    rateLimit: input.rateLimit ?? DEFAULT_RATE_LIMIT_TIER,
  };
  // Written only while the caller still stands where its checks were made (services/auth/standing.ts);
  // a trigger refuses the row if the role was deleted since it was looked up (migrations/0002).
  const standing = callerStanding(ctx, scope, { verifiedEmail: true });
  const [inserted] = await ctx.db
    .batch([
      insertRowWhere(ctx.db, apiKeys, row, organizations, and(eq(organizations.id, scope.organization.id), standing.holds)!).returning({
        id: apiKeys.id,
      }),
      ctx.events.record("api_key.created", apiKeyEventObject(row, scope.organization), null, { when: previousStatementChanged }),
    ])
    .catch((error: unknown) => {
      throw isRoleNotFound(error) ? unknownRole(input.role) : error;
    });
  if (inserted.length === 0) {
    await assertCallerStands(ctx, scope, standing);
    throw notFound("Organization"); // only the organization can be missing (its members and keys go with it)
  }
  return { ...apiKeyView(row, scope.organization), key: secret };
}

export async function listApiKeys({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const scope = requirePermission(ctx, "api_keys.read");
  const after = decodeCursor(input.cursor, "key");
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.organizationId, scope.organization.id), after ? gt(apiKeys.id, after) : undefined))
    .orderBy(asc(apiKeys.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return { data: page.data.map((row) => apiKeyView(row, scope.organization)), nextCursor: page.nextCursor };
}

/**
 * An API key in an event: its view without `start`. The first characters of a secret are not the
 * secret, but events travel to the audit log and to third-party webhook receivers, so no part of
 * a credential goes with them (an event never matches `ork_`).
 */
export function apiKeyEventObject(row: ApiKeyRow, organization: OrganizationRecord) {
  const { start: _start, ...view } = apiKeyView(row, organization);
  return view;
}

/** Revokes a key: deleted in D1, dropped from this isolate and KV before the 204. */
export async function revokeApiKey({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "api_keys.delete");
  const existing = await findInOrg(ctx, apiKeys, input.id, scope.organization.id, "API key");
  const [[row]] = await ctx.db.batch([
    ctx.db
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, input.id), eq(apiKeys.organizationId, scope.organization.id)))
      .returning({ keyHash: apiKeys.keyHash }),
    ctx.events.record("api_key.revoked", apiKeyEventObject(existing, scope.organization), null, { when: previousStatementChanged }),
  ]);
  if (!row) throw notFound("API key");
  await authCache.invalidateCredential(ctx, row.keyHash);
}
