import { authCache } from "../../cache/auth-cache";
import type { RequestContext } from "../../context";
import { parseToken, sha256Hex } from "../../lib/tokens";
import { roleIn } from "../permissions/role-in";
import { permissionCatalog } from "../../domain/permissions";
import type { OrgScope, Principal } from "./principal";
import { touchSession, refreshSessionIfDue } from "./credential-upkeep";
import { tierOf } from "../../domain/rate-limits";

/**
 * Turns a bearer token into a principal, or null for any bad credential. A token with a wrong
 * shape, prefix or checksum is refused before any KV or D1 read.
 */
export async function authenticate(ctx: RequestContext, token: string): Promise<Principal | null> {
  const kind = parseToken(token);
  if (kind !== "apiKey" && kind !== "session") return null;

  const tokenHash = await sha256Hex(token);
  const record = await authCache.credential(ctx, tokenHash, kind === "apiKey" ? "api_key" : "session");
  if (!record) return null;
  const now = Date.now();
  if (record.expiresAt !== null && record.expiresAt <= now) return null;

  if (record.kind === "api_key") {
    const organization = await authCache.organization(ctx, record.organizationId);
    if (!organization) return null; // the organization was deleted: its keys die with it
    // lastUsedAt comes from the usage counts (services/traffic/usage-buffer.ts), recorded after the answer.
    return {
      kind: "api_key",
      keyId: record.id,
      keyName: record.name,
      rateLimit: tierOf(record.rateLimit),
      tokenHash,
      scope: {
        organization,
        role: roleIn(organization, record.roleKey, permissionCatalog(ctx.env)),
        roleKey: record.roleKey,
        memberId: null,
      },
    };
  }

  const user = await authCache.user(ctx, record.userId);
  if (!user) return null;
  refreshSessionIfDue(ctx, record, tokenHash, now);
  touchSession(ctx, record.id, now);
  return {
    kind: "session",
    sessionId: record.id,
    tokenHash,
    user,
    expiresAt: record.expiresAt,
    mfa: record.mfa ?? false,
    activeOrganizationId: record.activeOrganizationId,
    scope: record.activeOrganizationId ? await sessionScope(ctx, record.activeOrganizationId, user.id) : null,
  };
}

/** The user's standing in one organization: null when the org is gone or they are no longer a member. */
export async function sessionScope(ctx: RequestContext, organizationId: string, userId: string): Promise<OrgScope | null> {
  const [organization, membership] = await Promise.all([
    authCache.organization(ctx, organizationId),
    authCache.membership(ctx, organizationId, userId),
  ]);
  if (!organization || !membership) return null;
  return {
    organization,
    role: roleIn(organization, membership.roleKey, permissionCatalog(ctx.env)),
    roleKey: membership.roleKey,
    memberId: membership.id,
  };
}
