import type { OrganizationRecord, UserRecord } from "../../domain/records";
import type { ResolvedRole } from "../permissions/resolve";

/** The organization a request acts in, with the caller's resolved role there. */
export interface OrgScope {
  organization: OrganizationRecord;
  role: ResolvedRole;
  /** The caller's membership (sessions only). */
  memberId: string | null;
}

export type Principal =
  | {
      kind: "api_key";
      keyId: string;
      keyName: string;
      tokenHash: string;
      scope: OrgScope;
    }
  | {
      kind: "session";
      sessionId: string;
      tokenHash: string;
      user: UserRecord;
      expiresAt: number;
      /** The active organization, or null when there is none the user still belongs to. */
      scope: OrgScope | null;
      activeOrganizationId: string | null;
    };
