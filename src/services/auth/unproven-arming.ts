import { and, eq, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { authCache } from "../../cache/auth-cache";
import { apiKeys, invitations, users, webhookEndpoints } from "../../db/schema";
import type { OrganizationRecord } from "../../domain/records";
import type { RequestContext } from "../../context";
import { SYSTEM_ACTOR } from "../../domain/event-types";
import { apiKeyEventObject } from "../api-keys/api-keys";
import { previousStatementChanged } from "../events/recorder";
import { invitationView } from "../invitations/internal";
import { endpointEventView } from "../webhooks/endpoints";

/**
 * "An unproven account arms nothing" — and the password reset takes back what it armed before that
 * rule (migrations/0006 took back the rest). The reset link proves the mailbox: whoever held the
 * account until then may have been someone else who signed up with the address. So when the account
 * was unverified until this reset, every API key it created (and every key those keys created, by
 * their api_key.created events), every webhook endpoint it or those keys created and every pending
 * invitation it or those keys sent is revoked in the reset's own batch, each with its event (actor
 * `system`). A key or endpoint created by a verified account is never touched.
 */
export interface TakeBack {
  /** Batch statements, each guarded by `guard` (put them before the reset marks the address verified). */
  statements: BatchItem<"sqlite">[];
  /** After the batch, given the results of `statements` (in order): drops the revoked keys from the auth cache (isolate and KV). */
  afterwards(results: readonly unknown[]): Promise<void>;
}

const NOTHING: TakeBack = { statements: [], afterwards: async () => {} };

/**
 * The ids (and organizations) of the keys `userId` created with a session, and of the keys those
 * created in turn, as a subquery.
 */
const armedKeys = (userId: string) => sql`WITH RECURSIVE armed(id, organization_id) AS (
  SELECT ${apiKeys.id}, ${apiKeys.organizationId} FROM ${apiKeys} WHERE ${apiKeys.createdByUserId} = ${userId}
  UNION
  SELECT json_extract(e.data, '$.object.id'), e.organization_id FROM armed a
  JOIN events e ON e.organization_id = a.organization_id AND e.actor_id = a.id AND e.actor_type = 'api_key' AND e.type = 'api_key.created'
) SELECT id, organization_id FROM armed`;

/**
 * Reads what `userId` armed, if the account is unverified now, and builds the statements that
 * revoke it. `guard` is the reset's claim; the statements also hold only while the address is still
 * unverified (they run before the reset marks it verified), so a concurrent verification keeps
 * what the proven owner then made.
 */
export async function takeBackUnprovenArming(ctx: RequestContext, userId: string, guard: SQL): Promise<TakeBack> {
  const keysOf = armedKeys(userId);
  const [[user], keys, pendingInvitations, endpoints] = await ctx.db.batch([
    ctx.db.select({ emailVerified: users.emailVerified }).from(users).where(eq(users.id, userId)),
    ctx.db.select().from(apiKeys).where(sql`${apiKeys.id} IN (SELECT id FROM (${keysOf}))`),
    ctx.db
      .select()
      .from(invitations)
      // Ids are prefixed (usr_, key_): one IN over the inviter id covers the user and its keys.
      .where(and(eq(invitations.status, "pending"), sql`${invitations.inviterId} IN (SELECT ${userId} UNION SELECT id FROM (${keysOf}))`)),
    ctx.db
      .select()
      .from(webhookEndpoints)
      .where(
        or(
          eq(webhookEndpoints.createdByUserId, userId),
          sql`${webhookEndpoints.id} IN (SELECT json_extract(e.data, '$.object.id') FROM (${keysOf}) k
            JOIN events e ON e.organization_id = k.organization_id AND e.actor_id = k.id AND e.actor_type = 'api_key' AND e.type = 'webhook_endpoint.created')`,
        ),
      ),
  ]);
  if (!user || user.emailVerified) return NOTHING;
  if (keys.length + pendingInvitations.length + endpoints.length === 0) return NOTHING;

  const organizationIds = [...new Set([...keys.map((k) => k.organizationId), ...pendingInvitations.map((i) => i.organizationId)])];
  const organizations = new Map<string, OrganizationRecord>();
  for (const organization of await Promise.all(organizationIds.map((id) => authCache.organizationFromDb(ctx, id)))) {
    if (organization) organizations.set(organization.id, organization);
  }

  const stillUnproven = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${userId} AND ${users.emailVerified} = 0)`;
  const when = and(guard, stillUnproven)!;
  const system = (organizationId: string) => ({ organizationId, actor: SYSTEM_ACTOR, when: previousStatementChanged });
  const statements: BatchItem<"sqlite">[] = [];
  // Which results of the batch are the key deletions (their RETURNING carries the hash to drop).
  const keyStatements: BatchItem<"sqlite">[] = [];

  for (const key of keys) {
    const organization = organizations.get(key.organizationId);
    if (!organization) continue; // its organization is gone, and the key with it
    const deletion = ctx.db
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, key.id), when))
      .returning({ keyHash: apiKeys.keyHash });
    keyStatements.push(deletion);
    statements.push(deletion, ctx.events.record("api_key.revoked", apiKeyEventObject(key, organization), null, system(key.organizationId)));
  }
  for (const invitation of pendingInvitations) {
    const organization = organizations.get(invitation.organizationId);
    if (!organization) continue;
    const before = invitationView(invitation, organization);
    statements.push(
      ctx.db
        .update(invitations)
        .set({ status: "revoked" })
        .where(and(eq(invitations.id, invitation.id), eq(invitations.status, "pending"), when)),
      ctx.events.record(
        "invitation.revoked",
        { ...before, status: "revoked" },
        { status: before.status },
        system(invitation.organizationId),
      ),
    );
  }
  for (const endpoint of endpoints) {
    // Its deliveries go with it (foreign key); messages still queued for them find nothing.
    statements.push(
      ctx.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, endpoint.id), when)),
      ctx.events.record("webhook_endpoint.deleted", endpointEventView(endpoint), null, system(endpoint.organizationId)),
    );
  }

  return {
    statements,
    async afterwards(results) {
      const revoked = keyStatements.flatMap(
        (statement) => (results[statements.indexOf(statement)] as { keyHash: string }[] | undefined) ?? [],
      );
      await Promise.all(revoked.map((k) => authCache.invalidateCredential(ctx, k.keyHash)));
    },
  };
}
