import { env } from "cloudflare:test";
import { newId } from "../../src/lib/ids";
import { api, expectData } from "./client";
import type { Schemas } from "./document";
import type { Env } from "../../src/env";
import { encryptSecret, mintWebhookSecret } from "../../src/services/webhooks/secrets";

/** An endpoint as its creation answers it, with its signing secret (shown once). */
export type CreatedEndpoint = Schemas["WebhookEndpointWithSecret"];

/** An endpoint created through the API. */
export async function createEndpoint(token: string, body: Partial<Schemas["WebhookEndpointCreateInput"]> = {}): Promise<CreatedEndpoint> {
  return expectData(
    await api(token).POST("/api/organizations/webhooks", { body: { url: "https://hooks.example.com/receiver", ...body } }),
    201,
  );
}

/** A stored event that was never queued (request id `req_seed`), for consumer tests. */
export async function seedEvent(organizationId: string, type = "role.created", object: Record<string, unknown> = { id: "role_seeded" }) {
  const id = newId("evt");
  await env.DB.prepare(
    "INSERT INTO events (id, organization_id, type, actor_type, actor_id, actor_name, request_id, data, created_at) VALUES (?, ?, ?, 'system', NULL, 'system', 'req_seed', ?, ?)",
  )
    .bind(id, organizationId, type, JSON.stringify({ object }), Date.now())
    .run();
  return id;
}

/** A delivery of a stored `role.created` event to `endpointId`, written straight to D1 (default: failed after 10 attempts, now). */
export async function seedDelivery(
  organizationId: string,
  endpointId: string,
  overrides: { status?: string; attempts?: number; at?: number } = {},
) {
  const now = overrides.at ?? Date.now();
  const eventId = newId("evt", now);
  const id = newId("dlv", now);
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO events (id, organization_id, type, actor_type, actor_id, actor_name, request_id, data, created_at) VALUES (?, ?, 'role.created', 'system', NULL, 'system', 'req_seed', '{\"object\":{\"id\":\"role_seeded\"}}', ?)",
    ).bind(eventId, organizationId, now),
    env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, 'role.created', ?, ?, ?)",
    ).bind(id, endpointId, organizationId, eventId, overrides.status ?? "failed", overrides.attempts ?? 10, now),
  ]);
  return id;
}

export const endpointRow = (id: string) =>
  env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(id).first<Record<string, any>>();
export const deliveryRow = (id: string) =>
  env.DB.prepare("SELECT * FROM webhook_deliveries WHERE id = ?").bind(id).first<Record<string, any>>();

/** An endpoint written straight to D1 (no limit, no event), with its secret: for fixtures and consumer tests. */
export async function seedEndpoint(organizationId: string, overrides: { url?: string; eventTypes?: string[]; enabled?: boolean } = {}) {
  const id = newId("whe");
  const secret = mintWebhookSecret();
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO webhook_endpoints (id, organization_id, url, description, event_types, enabled, secret_ciphertext, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?)",
  )
    .bind(
      id,
      organizationId,
      overrides.url ?? "https://hooks.example.com/seeded",
      JSON.stringify(overrides.eventTypes ?? ["*"]),
      overrides.enabled === false ? 0 : 1,
      await encryptSecret(env as Env, id, secret),
      now,
      now,
    )
    .run();
  return { id, secret };
}

/**
 * Waits until the real WEBHOOKS consumer has fanned out every event of an organization that has
 * endpoints and attempted every delivery it queued, so no webhook work is running when the file's
 * runtime is torn down (test/setup.ts). Events seeded by tests (request id `req_seed`) were never queued.
 */
export async function drainWebhookQueue(timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare(
      `SELECT
         (SELECT count(*) FROM events e WHERE e.fanned_out_at IS NULL AND e.request_id <> 'req_seed'
            AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organization_id = e.organization_id))
       + (SELECT count(*) FROM webhook_deliveries d WHERE d.status = 'pending' AND d.attempts = 0 AND d.next_attempt_at IS NOT NULL) AS n`,
    ).first<{ n: number }>();
    if (row!.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${row!.n} webhook fan-outs or deliveries still queued after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
