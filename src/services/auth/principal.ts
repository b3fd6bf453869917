import type { OrganizationRecord, UserRecord } from "../../domain/records";
import type { ResolvedRole } from "../permissions/resolve";
import type { RateLimitTier } from "../../domain/rate-limits";

/** The organization a request acts in, with the caller's resolved role there. */
export interface OrgScope {
  organization: OrganizationRecord;
  role: ResolvedRole;
  /**
   * The role name the caller holds (its membership's, or its API key's), as read with the scope:
   * what the caller's standing guard (services/auth/standing.ts) checks is still held when it writes.
   */
  roleKey: string;
  /** The caller's membership (sessions only). */
  memberId: string | null;
}

export type Principal =
  | {
      kind: "api_key";
      keyId: string;
      keyName: string;
      /** The key's traffic tier (services/traffic/limits.ts). */
      rateLimit: RateLimitTier;
      tokenHash: string;
      scope: OrgScope;
    }
  | {
      kind: "session";
      sessionId: string;
      tokenHash: string;
      user: UserRecord;
      expiresAt: number;
      /** Created with a second factor. */
      mfa: boolean;
      /** The active organization, or null when there is none the user still belongs to. */
      scope: OrgScope | null;
      activeOrganizationId: string | null;
    };
