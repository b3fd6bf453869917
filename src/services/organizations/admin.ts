import { and, asc, eq, gt, sql } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, invitations, members, organizations, roles, sessions, webhookEndpoints } from "../../db/schema";
import { ORGANIZATION_DELETED_REASON } from "../webhooks/endpoints";
import type { RequestContext } from "../../env";
import { notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { requireSuperAdmin } from "../auth/guards";
import { organizationView } from "../views";
import { updateOrganizationById, type OrganizationPatch } from "./current";
import type { Principal } from "../auth/principal";
import type { Actor } from "../../lib/event-catalog";

/** Platform staff act as themselves, marked as such in the organization's audit log. */
const superAdminActor = (principal: Extract<Principal, { kind: "session" }>): Actor => ({ type: "super_admin", id: principal.user.id, name: principal.user.name });

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
  createdAt: organizations.createdAt,
  updatedAt: organizations.updatedAt,
};

// Correlated counts, written out in SQL: drizzle would render the columns unqualified, and
// `organization_id = id` inside the subquery would then compare two columns of the inner table.
// Each uses an index that starts with organization_id.
const memberCount = sql<number>`(SELECT count(*) FROM members WHERE members.organization_id = organizations.id)`.mapWith(Number);
const apiKeyCount = sql<number>`(SELECT count(*) FROM api_keys WHERE api_keys.organization_id = organizations.id)`.mapWith(Number);
// A `pending` invitation past its expiry reads as `expired`, so it is not counted.
const pendingInvitationCount = (now: number) =>
  sql<number>`(SELECT count(*) FROM invitations WHERE invitations.organization_id = organizations.id AND invitations.status = 'pending' AND invitations.expires_at > ${now})`.mapWith(
    Number,
  );

type OrganizationRow = { id: string; name: string; logo: string | null; timezone: string; createdAt: Date; updatedAt: Date };

const viewOf = ({ createdAt, updatedAt, ...row }: OrganizationRow) =>
  organizationView({ ...row, createdAt: createdAt.getTime(), updatedAt: updatedAt.getTime() });

export interface ListOrganizationsInput {
  limit: number;
  cursor?: string;
  q?: string;
}

/**
 * Every organization, oldest first, keyset on the primary key: one D1 query per page. `q` is a
 * case-insensitive substring of the name, matched with instr() on the stored lower-cased name, so
 * `%` and `_` are plain characters (a LIKE would treat them as wildcards).
 */
export async function listOrganizations({ ctx, input }: { ctx: RequestContext; input: ListOrganizationsInput }) {
  await requireSuperAdmin(ctx);
  const after = decodeCursor(input.cursor, "org");
  const needle = input.q?.toLowerCase();
  const rows = await ctx.db
    .select({ ...organizationColumns, memberCount })
    .from(organizations)
    .where(
      and(
        after ? gt(organizations.id, after) : undefined,
        needle ? sql`instr(${organizations.nameSearch}, ${needle}) > 0` : undefined,
      ),
    )
    .orderBy(asc(organizations.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return { data: page.data.map((row) => ({ ...viewOf(row), memberCount: row.memberCount })), nextCursor: page.nextCursor };
}

/** One organization with its member, API key and pending invitation counts (one D1 query). */
export async function getOrganization({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  await requireSuperAdmin(ctx);
  const row = await ctx.db
    .select({ ...organizationColumns, memberCount, apiKeyCount, invitationCount: pendingInvitationCount(Date.now()) })
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
  const results = await ctx.db.batch([
    // First, while the organization still exists: the event outlives it (events have no foreign key).
    ctx.events.record("organization.deleted", viewOf(organization), null, {
      organizationId: id,
      actor: superAdminActor(principal),
      when: sql`EXISTS (SELECT 1 FROM organizations WHERE id = ${id})`,
    }),
    // Endpoints are disabled, not deleted: organization.deleted still reaches the ones that were
    // enabled; the Cron Trigger removes them once that delivery's retries are over.
    ctx.db
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: ORGANIZATION_DELETED_REASON, updatedAt: new Date() })
      .where(and(eq(webhookEndpoints.organizationId, id), eq(webhookEndpoints.enabled, true))),
    ctx.db.delete(apiKeys).where(eq(apiKeys.organizationId, id)),
    ctx.db.delete(invitations).where(eq(invitations.organizationId, id)),
    ctx.db.delete(members).where(eq(members.organizationId, id)),
    ctx.db.delete(roles).where(eq(roles.organizationId, id)),
    ctx.db.update(sessions).set({ activeOrganizationId: null }).where(eq(sessions.activeOrganizationId, id)),
    ctx.db.delete(organizations).where(eq(organizations.id, id)).returning({ id: organizations.id }),
  ]);
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
