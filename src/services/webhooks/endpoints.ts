import { and, asc, eq, gt, sql } from "drizzle-orm";
import { CHANGED_CONCURRENTLY, findInOrg, insertRowWhere, untilApplied, updateInOrgIfUnchanged } from "../../db/tenant-rows";
import { organizations, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, forbidden } from "../../lib/errors";
import { readPermissionsFor } from "../../domain/event-types";
import { newId } from "../../lib/ids";
import { decodeCursor, toPage } from "../../lib/pagination";
import { callerOf, requirePermission, requireVerifiedEmailToArm } from "../auth/guards";
import type { OrgScope } from "../auth/principal";
import { enforceRateLimit } from "../auth/rate-limit";
import { assertCallerStands, callerStanding } from "../auth/standing";
import { previousStatementChanged } from "../events/recorder";
import { changedFields, isoTime } from "../record-views";
import { encryptSecret, mintWebhookSecret } from "./secrets";
import type { DeliveryMessage } from "./messages";
import { assertWebhookUrl, urlForEvents } from "./url-rules";
import { ALL_EVENT_TYPES } from "../../domain/event-types";

export const MAX_ENDPOINTS_PER_ORG = 20;
/** After a rotation the old secret keeps signing this long, next to the new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** `eventTypes` that selects every type, present and future (the default); the vocabulary is domain/'s. */
export { ALL_EVENT_TYPES };

/** `disabledReason` of the endpoints of a deleted organization (they still get organization.deleted). */
export const ORGANIZATION_DELETED_REASON = "organization_deleted";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** An endpoint as the API shows it: never the secret. */
export function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    createdAt: isoTime(row.createdAt),
    updatedAt: isoTime(row.updatedAt),
  };
}

/**
 * An endpoint as its events (`data.object`, `data.previous`) and `webhook.test` payloads show it: the
 * URL as its origin only (url-rules.ts `urlForEvents`). Everything else as the API shows it.
 */
export function endpointEventView(row: EndpointRow) {
  return { ...endpointView(row), url: urlForEvents(row.url) };
}

/**
 * An endpoint is a read channel: subscribing it to a type needs the read permission of what the
 * type carries (domain/event-types.ts EVENT_READ_PERMISSIONS), so `webhooks.create` never reads what
 * `users.read` guards. Checked on create and on every change of `url` or `eventTypes`.
 */
function assertMaySubscribe(scope: OrgScope, eventTypes: readonly string[]): void {
  const missing = readPermissionsFor(eventTypes).filter((permission) => !scope.role.permissions.has(permission));
  if (missing.length === 0) return;
  throw forbidden(
    `Subscribing to ${eventTypes.join(", ") || "every type"} needs the ${missing.join(", ")} permission${missing.length > 1 ? "s" : ""}: an endpoint receives what those permissions read.`,
  );
}

/** Sends to receivers on request (test, retry): 10 a minute per organization (wrangler.toml RATE_LIMIT_WEBHOOK_SENDS). */
export const sendLimit = (ctx: RequestContext, organizationId: string) =>
  enforceRateLimit(ctx.env.RATE_LIMIT_WEBHOOK_SENDS, `webhook-send:${organizationId}`);

export interface EndpointInput {
  url: string;
  description?: string;
  eventTypes?: string[];
  enabled?: boolean;
}

const uniqueTypes = (types: string[]) => (types.includes(ALL_EVENT_TYPES) ? [ALL_EVENT_TYPES] : [...new Set(types)]);

export async function listEndpoints({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const scope = requirePermission(ctx, "webhooks.read");
  const after = decodeCursor(input.cursor, "whe");
  const rows = await ctx.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.organizationId, scope.organization.id), after ? gt(webhookEndpoints.id, after) : undefined))
    .orderBy(asc(webhookEndpoints.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return { data: page.data.map(endpointView), nextCursor: page.nextCursor };
}

export async function getEndpoint({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "webhooks.read");
  return endpointView(await findInOrg(ctx, webhookEndpoints, input.id, scope.organization.id, "Webhook endpoint"));
}

/** 201 with the secret, the only time it is shown. At most 20 per organization, guarded in the INSERT. */
export async function createEndpoint({ ctx, input }: { ctx: RequestContext; input: EndpointInput }) {
  const scope = requirePermission(ctx, "webhooks.create");
  await requireVerifiedEmailToArm(ctx);
  assertWebhookUrl(ctx.env, input.url);
  assertMaySubscribe(scope, input.eventTypes ?? [ALL_EVENT_TYPES]);
  const principal = callerOf(ctx);
  const organizationId = scope.organization.id;
  const now = new Date();
  const id = newId("whe");
  const secret = mintWebhookSecret();
  const row: EndpointRow = {
    id,
    organizationId,
    url: input.url,
    description: input.description ?? "",
    eventTypes: uniqueTypes(input.eventTypes ?? [ALL_EVENT_TYPES]),
    enabled: input.enabled ?? true,
    disabledReason: null,
    secretCiphertext: await encryptSecret(ctx.env, id, secret),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    consecutiveFailures: 0,
    failingSince: null,
    createdByUserId: principal.kind === "session" ? principal.user.id : null,
    createdAt: now,
    updatedAt: now,
  };
  // Guarded on the limit and on the caller still standing where its checks were made.
  const standing = callerStanding(ctx, scope, { verifiedEmail: true });
  const underLimit = sql`(SELECT count(*) FROM ${webhookEndpoints} WHERE ${webhookEndpoints.organizationId} = ${organizationId}) < ${MAX_ENDPOINTS_PER_ORG}`;
  const [inserted] = await ctx.db.batch([
    insertRowWhere(
      ctx.db,
      webhookEndpoints,
      row,
      organizations,
      and(eq(organizations.id, organizationId), underLimit, standing.holds)!,
    ).returning({ id: webhookEndpoints.id }),
    ctx.events.record("webhook_endpoint.created", endpointEventView(row), null, { when: previousStatementChanged }),
  ]);
  if (inserted.length === 0) {
    await assertCallerStands(ctx, scope, standing);
    throw new ApiError("limit_reached", `An organization can have at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints.`);
  }
  return { ...endpointView(row), secret };
}

export function updateEndpoint({ ctx, input }: { ctx: RequestContext; input: { id: string } & Partial<EndpointInput> }) {
  const scope = requirePermission(ctx, "webhooks.update");
  if (input.url !== undefined) assertWebhookUrl(ctx.env, input.url);
  return untilApplied(async () => {
    const existing = await findInOrg(ctx, webhookEndpoints, input.id, scope.organization.id, "Webhook endpoint");
    // The subscription as it will stand; the write is guarded on `existing.eventTypes`, so it is the one checked.
    if (input.url !== undefined || input.eventTypes !== undefined) assertMaySubscribe(scope, input.eventTypes ?? existing.eventTypes);
    const reenabling = input.enabled === true && !existing.enabled;
    const changes = {
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.eventTypes !== undefined ? { eventTypes: uniqueTypes(input.eventTypes) } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      // Re-enabling starts afresh: no reason, no failure streak.
      ...(reenabling ? { disabledReason: null, consecutiveFailures: 0, failingSince: null } : {}),
      updatedAt: new Date(),
    };
    const before = endpointView(existing);
    const view = endpointView({ ...existing, ...changes });
    const { updatedAt: _u, createdAt: _c, id: _i, ...compared } = view;
    // Compared on full URLs (a changed path is a change), shown as origins like the object.
    const previous = changedFields(before, compared);
    if ("url" in previous) previous.url = urlForEvents(existing.url);
    const applied = await writeEndpointChange(
      ctx,
      scope.organization.id,
      existing,
      changes,
      endpointEventView({ ...existing, ...changes }),
      previous,
    );
    return applied ? view : CHANGED_CONCURRENTLY;
  });
}

export async function deleteEndpoint({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "webhooks.delete");
  const existing = await findInOrg(ctx, webhookEndpoints, input.id, scope.organization.id, "Webhook endpoint");
  // Its deliveries go with it (foreign key); messages still queued for them find nothing and are dropped.
  const [[row]] = await ctx.db.batch([
    ctx.db
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, existing.id), eq(webhookEndpoints.organizationId, scope.organization.id)))
      .returning({ id: webhookEndpoints.id }),
    ctx.events.record("webhook_endpoint.deleted", endpointEventView(existing), null, { when: previousStatementChanged }),
  ]);
  if (!row) throw new ApiError("not_found", "Webhook endpoint not found.");
}

/**
 * A new secret, shown once. The old one keeps signing for 24 h (deliveries carry both signatures),
 * so a receiver can switch without losing a delivery. Recorded as webhook_endpoint.updated (the
 * secrets themselves never go into an event).
 */
export function rotateSecret({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "webhooks.update");
  // Guarded on the secret being rotated: of two concurrent rotations the second rotates the first's
  // secret (which then signs for 24 h as the previous one), so neither caller gets a dead secret.
  return untilApplied(async () => {
    const existing = await findInOrg(ctx, webhookEndpoints, input.id, scope.organization.id, "Webhook endpoint");
    const secret = mintWebhookSecret();
    const now = new Date();
    const changes = {
      secretCiphertext: await encryptSecret(ctx.env, existing.id, secret),
      previousSecretCiphertext: existing.secretCiphertext,
      previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS),
      updatedAt: now,
    };
    const view = endpointView({ ...existing, ...changes });
    const applied = await writeEndpointChange(
      ctx,
      scope.organization.id,
      existing,
      changes,
      endpointEventView({ ...existing, ...changes }),
      {
        updatedAt: endpointView(existing).updatedAt,
      },
    );
    return applied ? { ...view, secret } : CHANGED_CONCURRENTLY;
  });
}

const disabled = () => new ApiError("endpoint_disabled", "This endpoint is disabled: enable it first (PATCH { enabled: true }).");

/**
 * Records a `webhook.test` event and its one delivery (to this endpoint only) in one batch, then
 * queues the delivery. The event is in the audit log like any other; the fan-out skips its type.
 */
export async function testEndpoint({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const scope = requirePermission(ctx, "webhooks.update");
  const endpoint = await findInOrg(ctx, webhookEndpoints, input.id, scope.organization.id, "Webhook endpoint");
  if (!endpoint.enabled) throw disabled();
  await sendLimit(ctx, endpoint.organizationId);
  const deliveryId = newId("dlv");
  const event = ctx.events.record("webhook.test", endpointEventView(endpoint));
  const eventId = ctx.events.recorded[ctx.events.recorded.length - 1]!;
  const now = new Date();
  await ctx.db.batch([
    event,
    insertRowWhere(
      ctx.db,
      webhookDeliveries,
      {
        id: deliveryId,
        endpointId: endpoint.id,
        organizationId: endpoint.organizationId,
        eventId,
        eventType: "webhook.test",
        status: "pending",
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      },
      webhookEndpoints,
      and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.enabled, true))!,
    ),
  ]);
  await enqueueDelivery(ctx, { kind: "delivery", deliveryId, organizationId: endpoint.organizationId });
  return { eventId, deliveryId };
}

export async function enqueueDelivery(ctx: RequestContext, message: DeliveryMessage) {
  await ctx.env.WEBHOOKS.send(message, { contentType: "json" });
}

/**
 * One batch: the endpoint's change (in this organization), guarded on what its view shows and its
 * secret still being `existing`'s, and its `webhook_endpoint.updated` event, recorded only if the
 * row changed. False when the guard did not hold (changed or deleted since the read:
 * `untilApplied` reads again).
 */
async function writeEndpointChange(
  ctx: RequestContext,
  organizationId: string,
  existing: typeof webhookEndpoints.$inferSelect,
  changes: Partial<typeof webhookEndpoints.$inferInsert>,
  view: ReturnType<typeof endpointEventView>,
  previous: Record<string, unknown>,
): Promise<boolean> {
  const [[row]] = await ctx.db.batch([
    updateInOrgIfUnchanged(ctx, webhookEndpoints, existing.id, organizationId, changes, [
      [webhookEndpoints.url, existing.url],
      [webhookEndpoints.description, existing.description],
      [webhookEndpoints.eventTypes, existing.eventTypes],
      [webhookEndpoints.enabled, existing.enabled],
      [webhookEndpoints.disabledReason, existing.disabledReason],
      [webhookEndpoints.secretCiphertext, existing.secretCiphertext],
    ]),
    ctx.events.record("webhook_endpoint.updated", view, previous, { when: previousStatementChanged }),
  ]);
  return row !== undefined;
}
