import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";
import { mintToken, sha256Hex, tokenStart } from "../../src/lib/tokens";
import { expectProblem, get } from "../helpers/api";
import { addMember, seedOrganization, uniqueEmail } from "../helpers/factories";
import { seedDelivery } from "../helpers/webhooks";

/**
 * migrations/0006_unproven_arming.sql on rows as the code before it left them. The test setup has
 * applied every migration to an empty database already; this seeds legacy rows, then runs the
 * migration's data statements again (its schema statements — the new column, the indexes — are in place).
 */

const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0006_"))!;
const dataStatements = migration.queries.filter((q) => !/\b(ALTER TABLE|CREATE INDEX)\b/.test(q));

const now = Date.now();

async function seedKey(organizationId: string, createdByUserId: string | null) {
  const id = newId("key");
  const secret = mintToken("apiKey");
  await env.DB.prepare(
    "INSERT INTO api_keys (id, organization_id, name, role_key, key_hash, start, created_by_user_id, created_at) VALUES (?, ?, 'Legacy key', 'admin', ?, ?, ?, ?)",
  )
    .bind(id, organizationId, await sha256Hex(secret), tokenStart(secret), createdByUserId, now)
    .run();
  return { id, secret };
}

/** A creation event as the code recorded it (actor and the created object's id are what the migration reads). */
async function seedCreationEvent(
  organizationId: string,
  type: "api_key.created" | "webhook_endpoint.created",
  objectId: string,
  actor: { type: "user" | "api_key"; id: string },
) {
  await env.DB.prepare(
    "INSERT INTO events (id, organization_id, type, actor_type, actor_id, actor_name, request_id, data, created_at) VALUES (?, ?, ?, ?, ?, 'legacy', 'req_seed', ?, ?)",
  )
    .bind(newId("evt"), organizationId, type, actor.type, actor.id, JSON.stringify({ object: { id: objectId } }), now)
    .run();
}

/** An endpoint as the code before 0006 wrote it: no creator column value. */
async function seedLegacyEndpoint(organizationId: string) {
  const id = newId("whe");
  await env.DB.prepare(
    "INSERT INTO webhook_endpoints (id, organization_id, url, description, event_types, enabled, secret_ciphertext, created_at, updated_at) VALUES (?, ?, 'https://hooks.example.com/legacy', '', '[\"*\"]', 1, 'v1.legacy', ?, ?)",
  )
    .bind(id, organizationId, now, now)
    .run();
  return id;
}

async function seedInvitation(
  organizationId: string,
  inviter: { type: "user" | "api_key"; id: string },
  status: "pending" | "accepted" = "pending",
) {
  const id = newId("inv");
  await env.DB.prepare(
    "INSERT INTO invitations (id, organization_id, email, role_key, status, token_hash, inviter_type, inviter_id, inviter_name, expires_at, created_at, email_id, delivery_status) VALUES (?, ?, ?, 'member', ?, ?, ?, ?, 'legacy', ?, ?, ?, 'sent')",
  )
    .bind(
      id,
      organizationId,
      uniqueEmail("invitee"),
      status,
      await sha256Hex(mintToken("invitation")),
      inviter.type,
      inviter.id,
      now + 86_400_000,
      now,
      newId("eml"),
    )
    .run();
  return id;
}

const first = <T>(query: string, ...params: unknown[]) =>
  env.DB.prepare(query)
    .bind(...params)
    .first<T>();

describe("migrations/0006: what still-unverified accounts armed is taken back", () => {
  it("removes their keys (and the keys those made), their endpoints, their pending invitations and their Super Admin flag; a verified account keeps everything", async () => {
    const org = await seedOrganization("Legacy Tours");
    const verified = await addMember(org.organization.id, "admin", "verified");
    const squatter = await addMember(org.organization.id, "admin", "squatter", { emailVerified: false });
    const orgId = org.organization.id;
    await env.DB.prepare("UPDATE users SET is_super_admin = 1 WHERE id IN (?, ?)").bind(verified.user.id, squatter.user.id).run();

    // Keys: the squatter's, one its key made, one that key made in turn; the verified member's; one with no known creator.
    const squatterKey = await seedKey(orgId, squatter.user.id);
    const childKey = await seedKey(orgId, null);
    await seedCreationEvent(orgId, "api_key.created", childKey.id, { type: "api_key", id: squatterKey.id });
    const grandchildKey = await seedKey(orgId, null);
    await seedCreationEvent(orgId, "api_key.created", grandchildKey.id, { type: "api_key", id: childKey.id });
    const verifiedKey = await seedKey(orgId, verified.user.id);
    const unknownKey = await seedKey(orgId, null);

    // Endpoints (no creator column yet): created by the squatter's session, by its key, by the verified member, and one whose event is gone.
    const squatterEndpoint = await seedLegacyEndpoint(orgId);
    await seedCreationEvent(orgId, "webhook_endpoint.created", squatterEndpoint, { type: "user", id: squatter.user.id });
    const squatterDelivery = await seedDelivery(orgId, squatterEndpoint);
    const keyEndpoint = await seedLegacyEndpoint(orgId);
    await seedCreationEvent(orgId, "webhook_endpoint.created", keyEndpoint, { type: "api_key", id: childKey.id });
    const verifiedEndpoint = await seedLegacyEndpoint(orgId);
    await seedCreationEvent(orgId, "webhook_endpoint.created", verifiedEndpoint, { type: "user", id: verified.user.id });
    const unknownEndpoint = await seedLegacyEndpoint(orgId);

    // Invitations: pending from the squatter and from its grandchild key; one the squatter sent that was accepted; the verified member's.
    const squatterInvitation = await seedInvitation(orgId, { type: "user", id: squatter.user.id });
    const keyInvitation = await seedInvitation(orgId, { type: "api_key", id: grandchildKey.id });
    const acceptedInvitation = await seedInvitation(orgId, { type: "user", id: squatter.user.id }, "accepted");
    const verifiedInvitation = await seedInvitation(orgId, { type: "user", id: verified.user.id });

    await env.DB.batch(dataStatements.map((q) => env.DB.prepare(q)));

    const keys = await env.DB.prepare("SELECT id FROM api_keys WHERE organization_id = ? ORDER BY id").bind(orgId).all<{ id: string }>();
    expect(keys.results.map((k) => k.id)).toEqual([verifiedKey.id, unknownKey.id].sort());
    const endpoints = await env.DB.prepare("SELECT id, created_by_user_id FROM webhook_endpoints WHERE organization_id = ? ORDER BY id")
      .bind(orgId)
      .all();
    expect(endpoints.results).toEqual(
      [
        { id: verifiedEndpoint, created_by_user_id: verified.user.id }, // backfilled from its creation event
        { id: unknownEndpoint, created_by_user_id: null },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(await first("SELECT id FROM webhook_deliveries WHERE id = ?", squatterDelivery)).toBeNull(); // gone with its endpoint
    const statusOf = async (id: string) => (await first<{ status: string }>("SELECT status FROM invitations WHERE id = ?", id))!.status;
    expect(await statusOf(squatterInvitation)).toBe("revoked");
    expect(await statusOf(keyInvitation)).toBe("revoked");
    expect(await statusOf(acceptedInvitation)).toBe("accepted");
    expect(await statusOf(verifiedInvitation)).toBe("pending");
    const flags = await env.DB.prepare("SELECT id, is_super_admin FROM users WHERE id IN (?, ?)")
      .bind(verified.user.id, squatter.user.id)
      .all<{ id: string; is_super_admin: number }>();
    expect(Object.fromEntries(flags.results.map((u) => [u.id, u.is_super_admin]))).toEqual({
      [verified.user.id]: 1,
      [squatter.user.id]: 0,
    });
    expect(await first("SELECT name FROM sqlite_master WHERE name = '_unproven_api_keys'")).toBeNull();

    // Through the API: the squatter's keys no longer authenticate; the verified member's does.
    for (const gone of [squatterKey, childKey, grandchildKey])
      expectProblem(await get("/api/organizations/me", { token: gone.secret }), 401, "unauthenticated");
    expect((await get("/api/organizations/me", { token: verifiedKey.secret })).status).toBe(200);
    // The squatter's account itself stays, and may still read its organization.
    expect((await get("/api/organizations/me", { token: squatter.token })).status).toBe(200);
  });
});
