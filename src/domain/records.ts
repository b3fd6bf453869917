/**
 * The domain records the auth cache stores and services read: plain, JSON-safe data (times are
 * epoch milliseconds, so KV can hold them). They live here, below both the cache and the services,
 * so neither has to import the other for a type.
 */

/**
 * What a credential's hash resolves to. An API key's `rateLimit` is its tier (domain/rate-limits.ts);
 * records cached before tiers existed lack it, so it is read through `tierOf`.
 */
export type CredentialRecord =
  | { kind: "api_key"; id: string; name: string; organizationId: string; roleKey: string; expiresAt: number | null; rateLimit?: string }
  | { kind: "session"; id: string; userId: string; activeOrganizationId: string | null; expiresAt: number; mfa?: boolean };

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  /**
   * As of when the record was cached: fine for display, never for authorisation — platform routes
   * read the flag fresh from D1 (requireSuperAdmin).
   */
  isSuperAdmin: boolean;
  /** A confirmed second factor (absent in entries cached before it existed: false). */
  mfaEnabled?: boolean;
}

export interface MembershipRecord {
  id: string;
  roleKey: string;
  createdAt: number;
}

/** An org role as permission resolution needs it (a row of `roles`). */
export interface OrgRole {
  id: string;
  name: string;
  nameKey: string;
  description: string;
  permissions: string[];
}

export interface OrganizationRecord {
  id: string;
  name: string;
  logo: string | null;
  timezone: string;
  createdAt: number;
  updatedAt: number;
  /** The MFA policy (absent in entries cached before it existed: false). */
  requireMfa?: boolean;
  /** The org's own roles (custom roles and shadows), for permission resolution. */
  roles: OrgRole[];
  /**
   * Its members when the record was loaded (stale up to the auth cache's bound): chooses how a member
   * search runs (services/members/members.ts), never shown and never counted on.
   */
  memberCount: number;
  /**
   * Its invitations, whatever their status, when the record was loaded (stale like memberCount):
   * chooses how an invitation search runs (services/invitations/list.ts). Not the Super Admin
   * detail's `invitationCount`, which counts pending ones. Absent in entries cached before it existed
   * (such a search uses the index).
   */
  invitationCount?: number;
}
