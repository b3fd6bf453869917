import { and, eq, gt, sql, type SQL } from "drizzle-orm";
import { allRows, compile, selectList, type PageQuery } from "../../db/hand-sql";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, invitations, members, organizations, roles, sessions, webhookEndpoints } from "../../db/schema";
import { matches, organizationsSearch, rowidOf } from "../../db/schema/search";
import { ORGANIZATION_DELETED_REASON } from "../webhooks/endpoints";
import type { RequestContext } from "../../context";
import { notFound } from "../../lib/errors";
import { decodeCursor, decodeSearchCursor, toPage, toSearchPage } from "../../lib/pagination";
import { ftsPhrase } from "../../lib/search";
import { requireSuperAdmin } from "../auth/guards";
import { organizationView } from "../record-views";
import { updateOrganizationById, type OrganizationPatch } from "./current";
import type { Principal } from "../auth/principal";
import type { Actor } from "../../domain/event-types";

/** Platform staff act as themselves, marked as such in the organization's audit log. */
const superAdminActor = (principal: Extract<Principal, { kind: "session" }>): Actor => ({
  type: "super_admin",
  id: principal.user.id,
  name: principal.user.name,
});

/**
 * The Super Admin's view of every organization. Platform staff act across tenants here, so each
 * function starts with `requireSuperAdmin` (a session of a flagged user; never an API key) and
 * never looks at the caller's own organization.
 */

const organizationColumns = {
  id: organizations.id,
  name: organizations.name,
  logo: organizations.logo,
  timezone: organizations.timezone,
  requireMfa: organizations.requireMfa,
  createdAt: organizations.createdAt,
  updatedAt: organizations.updatedAt,
};

type OrganizationRow = {
  id: string;
  name: string;
  logo: string | null;
  timezone: string;
  requireMfa: boolean;
  createdAt: Date;
  updatedAt: Date;
};

const viewOf = ({ createdAt, updatedAt, ...row }: OrganizationRow) =>
  organizationView({ ...row, createdAt: createdAt.getTime(), updatedAt: updatedAt.getTime() });

export interface ListOrganizationsInput {
  limit: number;
  cursor?: string;
  q?: string;
}

/** A page row: the organization with its stored member count (migrations/0004 triggers). */
const organizationPageColumns = { ...organizationColumns, memberCount: organizations.memberCount };
const organizationSearchColumns = { ...organizationPageColumns, searchRowid: rowidOf(organizationsSearch) };

/**
 * The SQL of one organizations page (exported for test/app/query-plans.test.ts). Without `q`:
 * keyset on the primary key. With `q`: the organizations_search FTS5 table (trigram over the name),
 * streamed in rowid order. The member count is the stored counter (migrations/0008 triggers).
 */
export function organizationsPageQuery(input: { limit: number; q?: string; after?: string | number }): PageQuery {
  const { after } = input;
  const limit = input.limit + 1;
  if (input.q !== undefined) {
    // FTS5 (MATCH, rowid) has no drizzle form: the virtual table is named in db/schema/search.ts.
    const searchRowid = rowidOf(organizationsSearch);
    const where = and(
      matches(organizationsSearch, `name : ${ftsPhrase(input.q)}`),
      after !== undefined ? gt(searchRowid, after) : undefined,
    );
    return compile(
      sql`SELECT ${selectList(organizationSearchColumns)} FROM ${organizationsSearch} JOIN ${organizations} ON ${rowidOf(organizations)} = ${searchRowid} WHERE ${where} ORDER BY ${searchRowid} LIMIT ${limit}`,
    );
  }
  // The first page starts after "": a range on the primary key, like every other page.
  return compile(
    sql`SELECT ${selectList(organizationPageColumns)} FROM ${organizations} WHERE ${gt(organizations.id, String(after ?? ""))} ORDER BY ${organizations.id} LIMIT ${limit}`,
  );
}

/** Every organization, oldest first: one D1 query per page (a prepared statement on `ctx.d1`, the request's D1 session). */
export async function listOrganizations({ ctx, input }: { ctx: RequestContext; input: ListOrganizationsInput }) {
  await requireSuperAdmin(ctx);
  const search = input.q !== undefined;
  const after = search ? decodeSearchCursor(input.cursor) : decodeCursor(input.cursor, "org");
  const query = organizationsPageQuery({ limit: input.limit, q: input.q, after });
  const page = search
    ? toSearchPage(await allRows(ctx.d1, query, organizationSearchColumns), input.limit)
    : toPage(await allRows(ctx.d1, query, organizationPageColumns), input.limit);
  return { data: page.data.map(({ memberCount, ...org }) => ({ ...viewOf(org), memberCount })), nextCursor: page.nextCursor };
}

/**
 * One organization with its member, API key and pending invitation counts: one primary-key read of
 * the stored counters, whatever the organization's size. A pending invitation past its expiry is
 * counted until sweepExpiredInvitations stores it as expired.
 */
export async function getOrganization({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  await requireSuperAdmin(ctx);
  const row = await ctx.db
    .select({
      ...organizationColumns,
      memberCount: organizations.memberCount,
      apiKeyCount: organizations.apiKeyCount,
      invitationCount: organizations.pendingInvitationCount,
    })
    .from(organizations)
    .where(eq(organizations.id, input.id))
    .get();
  if (!row) throw notFound("Organization");
  const { memberCount: m, apiKeyCount: k, invitationCount: i, ...org } = row;
  return { ...viewOf(org), memberCount: m, apiKeyCount: k, invitationCount: i };
}

/** The same rules as PATCH /api/organizations/me; answers with the same shape as GET /{id}. */
export async function updateOrganization({ ctx, input }: { ctx: RequestContext; input: OrganizationPatch & { id: string } }) {
  const principal = await requireSuperAdmin(ctx);
  const { id, ...patch } = input;
  await updateOrganizationById(ctx, id, patch, superAdminActor(principal));
  return getOrganization({ ctx, input: { id } });
}

/**
 * The statements that delete an organization and everything it holds, its `organization.deleted`
 * event first (for one batch; the last one, the organization's DELETE, returns its id). `also`, when
 * given, guards every statement (an account deletion's claim, services/account/delete-account.ts).
 */
export function deleteOrganizationStatements(
  ctx: RequestContext,
  organization: ReturnType<typeof organizationView>,
  actor: Actor,
  also?: SQL,
) {
  const id = organization.id;
  return [
    // First, while the organization still exists: the event outlives it (events have no foreign key).
    ctx.events.record("organization.deleted", organization, null, {
      organizationId: id,
      actor,
      when: and(sql`EXISTS (SELECT 1 FROM ${organizations} WHERE ${organizations.id} = ${id})`, also)!,
    }),
    // Endpoints are disabled, not deleted: organization.deleted still reaches the ones that were
    // enabled; the Cron Trigger removes them once that delivery's retries are over.
    ctx.db
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: ORGANIZATION_DELETED_REASON, updatedAt: new Date() })
      .where(and(eq(webhookEndpoints.organizationId, id), eq(webhookEndpoints.enabled, true), also)),
    ctx.db.delete(apiKeys).where(and(eq(apiKeys.organizationId, id), also)),
    ctx.db.delete(invitations).where(and(eq(invitations.organizationId, id), also)),
    ctx.db.delete(members).where(and(eq(members.organizationId, id), also)),
    ctx.db.delete(roles).where(and(eq(roles.organizationId, id), also)),
    ctx.db
      .update(sessions)
      .set({ activeOrganizationId: null })
      .where(and(eq(sessions.activeOrganizationId, id), also)),
    ctx.db
      .delete(organizations)
      .where(and(eq(organizations.id, id), also))
      .returning({ id: organizations.id }),
  ] as const;
}

/**
 * Deletes the organization with its members, roles, invitations and API keys in one atomic batch
 * (D1 would cascade them too; the explicit deletes keep that visible and independent of the
 * foreign-key pragma). Users are kept. Sessions that were acting in it lose their active organization.
 */
export async function deleteOrganization({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const principal = await requireSuperAdmin(ctx);
  const { id } = input;
  // What the caches may hold for this organization, read before the rows are gone.
  const [keys, memberships, [organization]] = await ctx.db.batch([
    ctx.db.select({ keyHash: apiKeys.keyHash }).from(apiKeys).where(eq(apiKeys.organizationId, id)),
    ctx.db.select({ userId: members.userId }).from(members).where(eq(members.organizationId, id)),
    ctx.db.select(organizationColumns).from(organizations).where(eq(organizations.id, id)),
  ]);
  if (!organization) throw notFound("Organization");
  const results = await ctx.db.batch(deleteOrganizationStatements(ctx, viewOf(organization), superAdminActor(principal)));
  if (results[7].length === 0) throw notFound("Organization");

  // The organization entry is what matters: authenticate() refuses a key whose organization is
  // missing, and a session's scope needs it too. The other entries are dropped so nothing stale
  // lingers in KV. A key or member added between the read and the batch is covered by the first.
  await authCache.invalidateOrganization(ctx, id);
  await Promise.all([
    ...keys.map(({ keyHash }) => authCache.invalidateCredential(ctx, keyHash)),
    ...memberships.map(({ userId }) => authCache.invalidateMembership(ctx, id, userId)),
  ]);
}
