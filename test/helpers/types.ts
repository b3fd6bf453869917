import type { z } from "../../src/lib/zod";
import type { ApiKeySchema } from "../../src/routes/api-keys/api-keys.routes";
import type { InvitationSchema } from "../../src/routes/invitations/org-invitations.routes";
import type { MemberSchema } from "../../src/routes/members/members.routes";
import type { AdminOrganizationDetailSchema, AdminOrganizationSchema } from "../../src/routes/organizations/admin.routes";
import type { PermissionsViewSchema } from "../../src/routes/organizations/current.routes";
import type { RoleSchema } from "../../src/routes/roles/roles.routes";
import type { OrganizationSchema, SessionViewSchema } from "../../src/routes/schemas";

/** Response bodies as the route schemas declare them, for `call<T>()` and friends in test/helpers/api.ts. */
export type Organization = z.infer<typeof OrganizationSchema>;
export type AdminOrganization = z.infer<typeof AdminOrganizationSchema>;
export type AdminOrganizationDetail = z.infer<typeof AdminOrganizationDetailSchema>;
export type Member = z.infer<typeof MemberSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type Invitation = z.infer<typeof InvitationSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type SessionView = z.infer<typeof SessionViewSchema>;
export type PermissionsView = z.infer<typeof PermissionsViewSchema>;

/** Every list: `{ data, nextCursor }`. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** The row of a table as D1 returns it (snake_case columns), for assertions on stored state. */
export type Row = Record<string, unknown>;
