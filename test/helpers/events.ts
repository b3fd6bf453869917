import { env } from "cloudflare:test";

export interface StoredEvent {
  id: string;
  organizationId: string;
  type: string;
  actor: { type: string; id: string | null; name: string };
  requestId: string;
  data: { object: Record<string, any>; previous?: Record<string, any> };
  raw: string;
}

/** An organization's events straight from D1, oldest first (optionally one type). */
export async function storedEvents(organizationId: string, type?: string): Promise<StoredEvent[]> {
  const { results } = await env.DB.prepare(`SELECT * FROM events WHERE organization_id = ?1 AND (?2 IS NULL OR type = ?2) ORDER BY id`)
    .bind(organizationId, type ?? null)
    .all<Record<string, any>>();
  return results.map((r) => ({
    id: r.id,
    organizationId: r.organization_id,
    type: r.type,
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
    requestId: r.request_id,
    data: JSON.parse(r.data),
    raw: JSON.stringify(r),
  }));
}

/** The one event of `type` in the organization (fails when there are none or several). */
export async function onlyEvent(organizationId: string, type: string): Promise<StoredEvent> {
  const found = await storedEvents(organizationId, type);
  if (found.length !== 1) throw new Error(`expected one ${type} event in ${organizationId}, found ${found.length}`);
  return found[0]!;
}

/**
 * What must never appear in an event: credentials by prefix, password hashes, and hex digests
 * (SHA-256 of tokens and keys).
 */
export const SECRET_PATTERNS = [
  /ork_/,
  /sst_/,
  /ivt_/,
  /vet_/,
  /prt_/,
  /whsec_/,
  /pbkdf2/i,
  /[0-9a-f]{64}/i,
  /token_?hash|key_?hash|password_?hash/i,
];
