import { env } from "cloudflare:test";
import { newId } from "../../src/lib/ids";
import { post } from "./api";
import type { Env } from "../../src/env";
import { encryptSecret, mintWebhookSecret } from "../../src/services/webhooks/secrets";

export interface CreatedEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  secret: string;
}

/** An endpoint created through the API. */
export async function createEndpoint(token: string, body: Record<string, unknown> = {}): Promise<CreatedEndpoint> {
  const res = await post<CreatedEndpoint>("/api/organizations/webhooks", { url: "https://hooks.example.com/receiver", ...body }, { token });
  if (res.status !== 201) throw new Error(`endpoint creation failed: ${res.status} ${res.text}`);
  return res.body;
}

/** A pending delivery of a stored `role.created` event to `endpointId`, written straight to D1. */
export async function seedDelivery(organizationId: string, endpointId: string, overrides: { status?: string; attempts?: number } = {}) {
  const eventId = newId("evt");
  const id = newId("dlv");
  const now = Date.now();
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

export const endpointRow = (id: string) => env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(id).first<Record<string, any>>();
export const deliveryRow = (id: string) => env.DB.prepare("SELECT * FROM webhook_deliveries WHERE id = ?").bind(id).first<Record<string, any>>();

/** An endpoint written straight to D1 (no limit, no event), with its secret: for fixtures and consumer tests. */
export async function seedEndpoint(organizationId: string, overrides: { url?: string; eventTypes?: string[]; enabled?: boolean } = {}) {
  const id = newId("whe");
  const secret = mintWebhookSecret();
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO webhook_endpoints (id, organization_id, url, description, event_types, enabled, secret_ciphertext, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?)",
  )
    .bind(id, organizationId, overrides.url ?? "https://hooks.example.com/seeded", JSON.stringify(overrides.eventTypes ?? ["*"]), overrides.enabled === false ? 0 : 1, await encryptSecret(env as Env, id, secret), now, now)
    .run();
  return { id, secret };
}
