import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { decryptSecret } from "../../src/services/webhooks/secrets";
import { expectProblem, get, patch, post, type ApiResponse } from "../helpers/api";
import { storedEvents } from "../helpers/events";
import { addMember, createKey, createRole, seedOrganization } from "../helpers/factories";
import { createEndpoint, endpointRow } from "../helpers/webhooks";

/**
 * Read-decide-write changes made side by side (services/internal.ts `untilApplied`): each one's
 * write is guarded on the row it read, so neither overwrites the other with a stale view. Every
 * round staggers the two requests by 0–2 D1 round trips so their reads and writes interleave
 * differently.
 */
const ROUNDS = 12;

async function afterRoundTrips(n: number) {
  for (let i = 0; i < n; i++) await env.DB.prepare("SELECT 1").first();
}

/** Each side applies (200) or, after its retries, gives up with a clean 409 `conflict`; never a 500. */
function applied(res: ApiResponse<unknown>): boolean {
  if (res.status === 200) return true;
  expectProblem(res, 409, "conflict");
  return false;
}

describe("concurrent edits of one resource", () => {
  it(`two renames of one role never strand its holders on a name no role has (${ROUNDS} rounds)`, async () => {
    const owner = await seedOrganization("Rename Race Tours");
    const orgId = owner.organization.id;
    const role = await createRole(owner.token, "Guide", ["users.read"]);
    for (const label of ["g1", "g2", "g3"]) {
      const holder = await addMember(orgId, "member", `rename-race-${label}`);
      expect((await patch(`/api/organizations/members/${holder.member.id}`, { role: "Guide" }, { token: owner.token })).status).toBe(200);
    }
    await createKey(owner.token, "Guide");

    let bothApplied = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await Promise.all([
        afterRoundTrips(round % 3).then(() =>
          patch(`/api/organizations/roles/${role.id}`, { name: `Guide A${round}` }, { token: owner.token }),
        ),
        afterRoundTrips(Math.floor(round / 3) % 3).then(() =>
          patch(`/api/organizations/roles/${role.id}`, { name: `Guide B${round}` }, { token: owner.token }),
        ),
      ]);
      if (applied(a) && applied(b)) bothApplied++;

      const current = await env.DB.prepare("SELECT name, name_key FROM roles WHERE id = ?")
        .bind(role.id)
        .first<{ name: string; name_key: string }>();
      const holders = await env.DB.prepare(
        `SELECT (SELECT group_concat(DISTINCT role_key) FROM members WHERE organization_id = ?1 AND role_key NOT IN ('admin', 'member')) AS members,
                (SELECT group_concat(DISTINCT role_key) FROM api_keys WHERE organization_id = ?1 AND role_key NOT IN ('admin', 'member')) AS keys`,
      )
        .bind(orgId)
        .first<{ members: string; keys: string }>();
      // Every holder is on the role's current name, whichever rename won.
      expect(holders, `round ${round}`).toEqual({ members: current!.name_key, keys: current!.name_key });
      // The API agrees: three members hold it, under its current name.
      const listed = await get("/api/organizations/roles", { token: owner.token });
      expect(listed.body.data.find((r: { id: string }) => r.id === role.id)).toMatchObject({ name: current!.name, memberCount: 3 });
    }
    // The guard makes the loser read again and apply on top, rather than refuse.
    expect(bothApplied).toBeGreaterThan(0);

    // The trail is a chain: each rename's `previous.name` is the name the one before it set.
    const renames = await storedEvents(orgId, "role.updated");
    expect(renames.length).toBeGreaterThanOrEqual(ROUNDS);
    for (let i = 1; i < renames.length; i++) expect(renames[i]!.data.previous!.name).toBe(renames[i - 1]!.data.object.name);
  });

  it(`two PATCHes of the organization: each response and event is the row it wrote (${ROUNDS} rounds)`, async () => {
    const owner = await seedOrganization("Patch Race Tours");
    const orgId = owner.organization.id;
    for (let round = 0; round < ROUNDS; round++) {
      const name = `Patch Race ${round}`;
      const timezone = round % 2 === 0 ? "Europe/Lisbon" : "Asia/Tokyo";
      const [byName, byZone] = await Promise.all([
        afterRoundTrips(round % 3).then(() => patch("/api/organizations/me", { name }, { token: owner.token })),
        afterRoundTrips(Math.floor(round / 3) % 3).then(() => patch("/api/organizations/me", { timezone }, { token: owner.token })),
      ]);
      expect([applied(byName), applied(byZone)], `round ${round}`).toEqual([true, true]);
      // Whichever applied second saw the other's change: its answer is the final row.
      const row = await env.DB.prepare("SELECT name, timezone FROM organizations WHERE id = ?")
        .bind(orgId)
        .first<{ name: string; timezone: string }>();
      expect(row).toEqual({ name, timezone });
      const answers = [byName.body, byZone.body].map((o) => `${o.name}|${o.timezone}`);
      expect(answers).toContain(`${name}|${timezone}`);
    }
    // Every event's object is a state the row really had: it differs from the object of the event
    // before it exactly in the fields its `previous` lists, and `previous` holds that event's values.
    const updates = await storedEvents(orgId, "organization.updated");
    expect(updates).toHaveLength(2 * ROUNDS);
    for (let i = 1; i < updates.length; i++) {
      const before = updates[i - 1]!.data.object;
      const { object, previous = {} } = updates[i]!.data;
      for (const field of ["name", "logo", "timezone"]) {
        expect(object[field], `event ${i}: ${field}`).toBe(field in previous ? object[field] : before[field]);
        if (field in previous) expect(previous[field], `event ${i}: previous ${field}`).toBe(before[field]);
      }
    }
  });

  it(`two rotations of one webhook secret: both secrets returned still sign (${ROUNDS} rounds)`, async () => {
    const owner = await seedOrganization("Rotation Race Tours");
    const endpoint = await createEndpoint(owner.token);
    for (let round = 0; round < ROUNDS; round++) {
      const rotate = () => post(`/api/organizations/webhooks/${endpoint.id}/rotate-secret`, undefined, { token: owner.token });
      const [a, b] = await Promise.all([afterRoundTrips(round % 3).then(rotate), afterRoundTrips(Math.floor(round / 3) % 3).then(rotate)]);
      expect([applied(a), applied(b)], `round ${round}`).toEqual([true, true]);
      const row = await endpointRow(endpoint.id);
      const signing = [
        await decryptSecret(env as Env, endpoint.id, row!.secret_ciphertext),
        await decryptSecret(env as Env, endpoint.id, row!.previous_secret_ciphertext),
      ].sort();
      // One is the current secret and the other the previous one (24 h overlap): no caller holds a dead secret.
      expect(signing, `round ${round}`).toEqual([a.body.secret, b.body.secret].sort());
    }
  });
});
