import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiKeys, members, organizations, roles, sessions, users } from "../db/schema";
import type { CredentialRecord, MembershipRecord, OrganizationRecord, UserRecord } from "../domain/records";
import { type CacheContext, TieredCache } from "./tiered-cache";

/** A cache context that can also load from the primary D1 (a RequestContext is one). */
export type AuthCacheContext = CacheContext & { primary: Database };

const credentials = new TieredCache<CredentialRecord>({ name: "cred", cacheMisses: true });
const usersCache = new TieredCache<UserRecord>({ name: "user" });
const memberships = new TieredCache<MembershipRecord>({ name: "member", cacheMisses: true });
const organizationsCache = new TieredCache<OrganizationRecord>({ name: "org", cacheMisses: true });

export const authCache = {
  credential(ctx: AuthCacheContext, tokenHash: string, kind: CredentialRecord["kind"]) {
    return credentials.get(ctx, tokenHash, () => (kind === "api_key" ? loadApiKey(ctx, tokenHash) : loadSession(ctx, tokenHash)));
  },
  user(ctx: AuthCacheContext, userId: string) {
    return usersCache.get(ctx, userId, () => loadUser(ctx, userId));
  },
  membership(ctx: AuthCacheContext, organizationId: string, userId: string) {
    return memberships.get(ctx, `${organizationId}:${userId}`, () => loadMembership(ctx, organizationId, userId));
  },
  organization(ctx: AuthCacheContext, organizationId: string) {
    return organizationsCache.get(ctx, organizationId, () => loadOrganization(ctx, organizationId));
  },

  /** Straight from D1, for write paths that must not act on a stale snapshot. */
  organizationFromDb(ctx: AuthCacheContext, organizationId: string) {
    return loadOrganization(ctx, organizationId);
  },

  invalidateCredential: (ctx: AuthCacheContext, tokenHash: string) => credentials.invalidate(ctx, tokenHash),
  invalidateUser: (ctx: AuthCacheContext, userId: string) => usersCache.invalidate(ctx, userId),
  invalidateMembership: (ctx: AuthCacheContext, organizationId: string, userId: string) =>
    memberships.invalidate(ctx, `${organizationId}:${userId}`),
  invalidateOrganization: (ctx: AuthCacheContext, organizationId: string) => organizationsCache.invalidate(ctx, organizationId),

  /** Empty this isolate's tier (for measuring cold paths in tests and benchmarks). */
  clearIsolate() {
    for (const cache of [credentials, usersCache, memberships, organizationsCache]) cache.clearIsolate();
  },
};

// The loaders read the primary: a replica that lags would have a miss cached as "no such key", or a
// stale record written back to KV, stretching the revocation bound by the replica's lag.
async function loadApiKey(ctx: AuthCacheContext, keyHash: string): Promise<CredentialRecord | null> {
  const row = await ctx.primary
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      organizationId: apiKeys.organizationId,
      roleKey: apiKeys.roleKey,
      expiresAt: apiKeys.expiresAt,
      rateLimit: apiKeys.rateLimit,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  if (!row) return null;
  return { kind: "api_key", ...row, expiresAt: row.expiresAt?.getTime() ?? null };
}

async function loadSession(ctx: AuthCacheContext, tokenHash: string): Promise<CredentialRecord | null> {
  const row = await ctx.primary
    .select({
      id: sessions.id,
      userId: sessions.userId,
      activeOrganizationId: sessions.activeOrganizationId,
      expiresAt: sessions.expiresAt,
      mfa: sessions.mfa,
    })
    .from(sessions)
    .where(eq(sessions.tokenHash, tokenHash))
    .get();
  if (!row) return null;
  return { kind: "session", ...row, expiresAt: row.expiresAt.getTime() };
}

async function loadUser(ctx: AuthCacheContext, userId: string): Promise<UserRecord | null> {
  const row = await ctx.primary
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      emailVerified: users.emailVerified,
      isSuperAdmin: users.isSuperAdmin,
      mfaEnabled: users.mfaEnabled,
    })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  return row ?? null;
}

async function loadMembership(ctx: AuthCacheContext, organizationId: string, userId: string): Promise<MembershipRecord | null> {
  const row = await ctx.primary
    .select({ id: members.id, roleKey: members.roleKey, createdAt: members.createdAt })
    .from(members)
    .where(and(eq(members.organizationId, organizationId), eq(members.userId, userId)))
    .get();
  return row ? { ...row, createdAt: row.createdAt.getTime() } : null;
}

async function loadOrganization(ctx: AuthCacheContext, organizationId: string): Promise<OrganizationRecord | null> {
  // One round trip for the org and its roles.
  const [orgRows, roleRows] = await ctx.primary.batch([
    ctx.primary.select().from(organizations).where(eq(organizations.id, organizationId)),
    ctx.primary
      .select({
        id: roles.id,
        name: roles.name,
        nameKey: roles.nameKey,
        description: roles.description,
        permissions: roles.permissions,
      })
      .from(roles)
      .where(eq(roles.organizationId, organizationId)),
  ]);
  const org = orgRows[0];
  if (!org) return null;
  return {
    id: org.id,
    name: org.name,
    logo: org.logo,
    timezone: org.timezone,
    requireMfa: org.requireMfa,
    createdAt: org.createdAt.getTime(),
    updatedAt: org.updatedAt.getTime(),
    roles: roleRows,
    memberCount: org.memberCount,
    invitationCount: org.invitationCount,
  };
}
