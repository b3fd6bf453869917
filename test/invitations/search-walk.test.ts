import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authCache } from "../../src/cache/auth-cache";
import type { InvitationStatus } from "../../src/db/schema";
import type { Env } from "../../src/env";
import { newId } from "../../src/lib/ids";
import { INVITATION_SEARCH_WALK_LIMIT, invitationsPageQuery } from "../../src/services/invitations/list";
import { countingEnv, del, get, post, recordingEnv } from "../helpers/api";
import { testContext } from "../helpers/context";
import { seedOrganization, uniqueEmail } from "../helpers/factories";
import { invite } from "../helpers/invitations";
import { superAdmin } from "../helpers/super-admin";

/**
 * A small organization's invitation search walks its own invitations (services/invitations/list.ts),
 * so its cost does not grow with what other organizations hold; a big one's goes through the
 * full-text index. Both must answer exactly what the index answers, status filter included, in the
 * same order, with cursors that work across the two. The choice follows the stored total of the
 * organization's invitations (organizations.invitation_count, kept by triggers: migrations/0013).
 */

const DAY = 24 * 60 * 60 * 1000;

interface Seeded {
  email: string;
  status?: InvitationStatus;
  /** Milliseconds from now (a week ahead unless said). */
  expiresIn?: number;
}

/** Invitations written straight to D1 (the triggers index and count them), in this order. */
async function seedInvitations(organizationId: string, rows: (string | Seeded)[]) {
  const now = Date.now();
  const ids: string[] = [];
  const statements = rows.map((entry) => {
    const row = typeof entry === "string" ? { email: entry } : entry;
    const id = newId("inv");
    ids.push(id);
    return env.DB.prepare(
      `INSERT INTO invitations (id, organization_id, email, role_key, status, token_hash, inviter_type, inviter_id, inviter_name, expires_at, created_at, email_id, delivery_status)
       VALUES (?, ?, ?, 'member', ?, ?, 'user', 'usr_seed', 'Seed', ?, ?, ?, 'sent')`,
    ).bind(id, organizationId, row.email, row.status ?? "pending", `hash-${id}`, now + (row.expiresIn ?? 7 * DAY), now, newId("eml"));
  });
  for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100));
  return ids;
}

/** What the full-text index answers for the organization, in its order (the reference). */
async function indexAnswer(organizationId: string, q: string, status?: InvitationStatus) {
  const query = invitationsPageQuery({ organizationId, limit: 1000, q, status, now: Date.now() });
  const { results } = await env.DB.prepare(query.sql)
    .bind(...query.params)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Every page of `GET /invitations?q=` followed through its cursors, `limit` at a time. */
async function allPages(token: string, q: string, limit: number, options: { status?: InvitationStatus; env?: Env; cursor?: string } = {}) {
  const ids: string[] = [];
  const statuses: string[] = [];
  let cursor: string | null = options.cursor ?? null;
  let pages = 0;
  do {
    const path: `/api/organizations/invitations?${string}` = `/api/organizations/invitations?q=${encodeURIComponent(q)}&limit=${limit}${options.status ? `&status=${options.status}` : ""}${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await get(path, { token, env: options.env });
    expect(res.status, res.text).toBe(200);
    ids.push(...res.body.data.map((invitation) => invitation.id));
    statuses.push(...res.body.data.map((invitation) => invitation.status));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, statuses, pages };
}

/** The env recording every D1-session statement, and which of them walked or used the index. */
function walkRecordingEnv() {
  const { env: recording, statements } = recordingEnv();
  const walked = () => statements.filter((sql) => sql.includes("invitations_organization_id_rowid_idx"));
  const searched = () => statements.filter((sql) => / MATCH /.test(sql));
  return { env: recording, statements, walked, searched };
}

const counts = (organizationId: string) =>
  env.DB.prepare("SELECT invitation_count AS total, pending_invitation_count AS pending FROM organizations WHERE id = ?")
    .bind(organizationId)
    .first<{ total: number; pending: number }>();

const rowsOf = async (organizationId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?").bind(organizationId).first<{ n: number }>())!.n;

/** The organization's record dropped from the auth cache (isolate and KV), so its stored counts are read again. */
const reloadOrganization = (organizationId: string) => authCache.invalidateOrganization(testContext(), organizationId);

describe("invitation search on a small organization walks its own invitations", () => {
  it("answers what the index answers, case-insensitively, in the index's order, never another organization's", async () => {
    const owner = await seedOrganization("Invite Walk Tours");
    const emails = [
      "olivia.park@tours.test",
      "OLIVER@Stone.Test", // stored as written (the API lower-cases; the match folds either way)
      "élodie.olivares@guides.test",
      "sam@reed.test",
      "noor.olive@guides.test",
      "a%b_c@odd.test",
    ];
    const own = await seedInvitations(owner.organization.id, emails);
    // Another organization holding the same addresses (and more): none of its rows may come back.
    const other = await seedOrganization("Invite Walk Elsewhere");
    const theirs = await seedInvitations(other.organization.id, [...emails, "olive.extra@tours.test"]);
    const walk = walkRecordingEnv();
    for (const q of ["oliv", "OLIV", "élodie", "ÉLODIE", "reed", ".test", "STONE.t", "%b_", "b_c", "zzqx", "a%b%", "k@t"]) {
      const { ids } = await allPages(owner.token, q, 100, { env: walk.env });
      expect(ids, q).toEqual(await indexAnswer(owner.organization.id, q));
      expect(
        ids.every((id) => own.includes(id)),
        q,
      ).toBe(true);
    }
    expect(walk.walked().length).toBeGreaterThan(0);
    expect(walk.searched()).toEqual([]);
    const { ids } = await allPages(owner.token, "oliv", 100);
    expect(ids).toEqual([own[0], own[1], own[2], own[4]]);
    const elsewhere = await allPages(other.token, "oliv", 100);
    expect(elsewhere.ids).toEqual([theirs[0], theirs[1], theirs[2], theirs[4], theirs[6]]);
  });

  it("with a status filter, answers what the index answers: a pending invitation past its expiry is expired", async () => {
    const owner = await seedOrganization("Invite Walk Statuses");
    const statuses: Seeded[] = [
      { email: "guide.pending@walk.test" },
      { email: "guide.lapsed@walk.test", expiresIn: -DAY }, // pending, past its expiry, not swept yet
      { email: "guide.expired@walk.test", status: "expired", expiresIn: -2 * DAY },
      { email: "guide.accepted@walk.test", status: "accepted" },
      { email: "guide.revoked@walk.test", status: "revoked" },
      { email: "other.pending@walk.test" },
      { email: "guide.pending2@walk.test" },
    ];
    const ids = await seedInvitations(owner.organization.id, statuses);
    const at = (...positions: number[]) => positions.map((i) => ids[i]);
    const expected = { all: at(0, 1, 2, 3, 4, 6), pending: at(0, 6), expired: at(1, 2), accepted: at(3), revoked: at(4) };
    const walk = walkRecordingEnv();
    for (const status of [undefined, "pending", "expired", "accepted", "revoked"] as const) {
      const page = await allPages(owner.token, "GUIDE", 2, { status, env: walk.env });
      expect(page.ids, status).toEqual(await indexAnswer(owner.organization.id, "guide", status));
      expect(page.ids, status).toEqual(expected[status ?? "all"]);
      if (status) expect(new Set(page.statuses), status).toEqual(new Set([status]));
    }
    expect(walk.walked().length).toBeGreaterThan(0);
    expect(walk.searched()).toEqual([]);
  });

  it("pages through its cursors like the index does, one D1 call per page", async () => {
    const owner = await seedOrganization("Invite Walk Pages");
    await seedInvitations(
      owner.organization.id,
      Array.from({ length: 9 }, (_, i) => `guide${i}@pages.test`),
    );
    const { ids, pages } = await allPages(owner.token, "guide", 2);
    expect(ids).toEqual(await indexAnswer(owner.organization.id, "guide"));
    expect(ids).toHaveLength(9);
    expect(pages).toBe(5);
    // A search cursor is a position, not an id: the plain list refuses it, as the index path's.
    const first = await get("/api/organizations/invitations?q=guide&limit=2", { token: owner.token });
    const plain = await get(`/api/organizations/invitations?cursor=${first.body.nextCursor}`, { token: owner.token });
    expect(plain.status).toBe(400);
    const { env: counted, counts: calls } = countingEnv();
    const res = await get("/api/organizations/invitations?q=guide&limit=3", { token: owner.token, env: counted });
    expect(res.status).toBe(200);
    expect(calls).toEqual({ d1: 1, kv: 0 });
  });

  it("a big organization searches through the index; an organization crossing the threshold between pages loses nothing", async () => {
    const small = await seedOrganization("Invite Walk Small");
    await seedInvitations(
      small.organization.id,
      Array.from({ length: 6 }, (_, i) => `rider${i}@small.test`),
    );
    // Told it is big (the stored total drives the choice), before its record is first cached.
    const big = await seedOrganization("Invite Walk Big");
    await seedInvitations(
      big.organization.id,
      Array.from({ length: 6 }, (_, i) => `rider${i}@big.test`),
    );
    await env.DB.prepare("UPDATE organizations SET invitation_count = ? WHERE id = ?")
      .bind(INVITATION_SEARCH_WALK_LIMIT + 1, big.organization.id)
      .run();
    await reloadOrganization(big.organization.id);

    const walking = walkRecordingEnv();
    const walked = await allPages(small.token, "rider", 4, { env: walking.env });
    expect(walking.walked().length).toBe(2);
    expect(walking.searched()).toEqual([]);
    expect(walked.ids).toEqual(await indexAnswer(small.organization.id, "rider"));

    const indexed = walkRecordingEnv();
    const searched = await allPages(big.token, "rider", 4, { env: indexed.env });
    expect(indexed.walked()).toEqual([]);
    expect(indexed.searched().length).toBe(2);
    expect(searched.ids).toEqual(await indexAnswer(big.organization.id, "rider"));

    // The small organization's first page walked; then it is big: the index takes the walk's cursor on.
    const first = await get("/api/organizations/invitations?q=rider&limit=4", { token: small.token });
    await env.DB.prepare("UPDATE organizations SET invitation_count = ? WHERE id = ?")
      .bind(INVITATION_SEARCH_WALK_LIMIT + 1, small.organization.id)
      .run();
    await reloadOrganization(small.organization.id);
    const crossing = walkRecordingEnv();
    const rest = await allPages(small.token, "rider", 4, { env: crossing.env, cursor: first.body.nextCursor! });
    expect(crossing.searched().length).toBe(1);
    expect([...first.body.data.map((invitation) => invitation.id), ...rest.ids]).toEqual(walked.ids);
    // And back: the big organization's index cursor, walked on once it counts as small.
    const bigFirst = await get("/api/organizations/invitations?q=rider&limit=4", { token: big.token });
    await env.DB.prepare("UPDATE organizations SET invitation_count = 6 WHERE id = ?").bind(big.organization.id).run();
    await reloadOrganization(big.organization.id);
    const back = walkRecordingEnv();
    const bigRest = await allPages(big.token, "rider", 4, { env: back.env, cursor: bigFirst.body.nextCursor! });
    expect(back.walked().length).toBe(1);
    expect([...bigFirst.body.data.map((invitation) => invitation.id), ...bigRest.ids]).toEqual(searched.ids);
  });

  it("an organization that outgrew its cached total mid-walk still gets every match through the cursor", async () => {
    const owner = await seedOrganization("Invite Walk Growing");
    await get("/api/organizations/invitations?q=walker", { token: owner.token }); // its record cached while small
    await seedInvitations(
      owner.organization.id,
      Array.from({ length: INVITATION_SEARCH_WALK_LIMIT + 40 }, (_, i) =>
        i % 50 === 0 || i > INVITATION_SEARCH_WALK_LIMIT ? `walker${i}@growing.test` : `other${i}@growing.test`,
      ),
    );
    const walking = walkRecordingEnv();
    const { ids, pages } = await allPages(owner.token, "walker", 100, { env: walking.env });
    expect(walking.searched()).toEqual([]);
    expect(ids).toEqual(await indexAnswer(owner.organization.id, "walker"));
    expect(ids.length).toBe(11 + 39); // i = 0, 50, …, 500 and i = 501…539
    expect(pages).toBe(2); // the first walk stops at the limit: a short page with a cursor that goes on
    expect((await counts(owner.organization.id))?.total).toBe(INVITATION_SEARCH_WALK_LIMIT + 40);
  });
});

describe("organizations.invitation_count (migrations/0013)", () => {
  it("counts every invitation, whatever its status, in the statement that inserts or deletes it", async () => {
    const owner = await seedOrganization("Invite Count Tours");
    expect(await counts(owner.organization.id)).toEqual({ total: 0, pending: 0 });
    const first = await invite(owner.token, uniqueEmail("counted"));
    const second = await invite(owner.token, uniqueEmail("counted"));
    expect(await counts(owner.organization.id)).toEqual({ total: 2, pending: 2 });
    // A refused insert (a second pending invitation to one address) counts nothing.
    const again = await post("/api/organizations/invitations", { email: first.email, role: "Member" }, { token: owner.token });
    expect(again.status).toBe(409);
    expect(await counts(owner.organization.id)).toEqual({ total: 2, pending: 2 });
    // A status change leaves the total alone.
    expect((await del(`/api/organizations/invitations/${second.id}`, { token: owner.token })).status).toBe(204);
    expect(await counts(owner.organization.id)).toEqual({ total: 2, pending: 1 });
    await seedInvitations(owner.organization.id, [{ email: "seeded@count.test", status: "accepted" }]);
    expect(await counts(owner.organization.id)).toEqual({ total: 3, pending: 1 });
    await env.DB.prepare("DELETE FROM invitations WHERE id = ?").bind(first.id).run();
    expect(await counts(owner.organization.id)).toEqual({ total: 2, pending: 0 });
    expect(await rowsOf(owner.organization.id)).toBe(2);
  });

  it("the migration's backfill counts the invitations an organization already holds", async () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0013_"))!;
    const backfill = migration.queries.filter((q) => /SET `invitation_count` = \(SELECT count\(\*\)/.test(q));
    expect(backfill).toHaveLength(1);
    const held = await seedOrganization("Invite Count Before");
    const none = await seedOrganization("Invite Count None");
    await seedInvitations(held.organization.id, ["a@before.test", { email: "b@before.test", status: "accepted" }, "c@before.test"]);
    // As the column was added: 0 on every row, whatever the organization held.
    await env.DB.prepare("UPDATE organizations SET invitation_count = 0 WHERE id IN (?, ?)")
      .bind(held.organization.id, none.organization.id)
      .run();
    await env.DB.batch(backfill.map((q) => env.DB.prepare(q)));
    expect((await counts(held.organization.id))?.total).toBe(3);
    expect((await counts(none.organization.id))?.total).toBe(0);
  });

  it("an organization's deletion takes its invitations and leaves another's total as it was", async () => {
    const admin = await superAdmin();
    const doomed = await seedOrganization("Invite Count Doomed");
    const kept = await seedOrganization("Invite Count Kept");
    await seedInvitations(doomed.organization.id, ["a@doomed.test", "b@doomed.test", { email: "c@doomed.test", status: "revoked" }]);
    await seedInvitations(kept.organization.id, ["a@kept.test", "b@kept.test"]);
    expect((await counts(doomed.organization.id))?.total).toBe(3);
    expect((await del(`/api/organizations/${doomed.organization.id}`, { token: admin.token })).status).toBe(204);
    expect(await counts(doomed.organization.id)).toBeNull();
    expect(await rowsOf(doomed.organization.id)).toBe(0);
    expect(await counts(kept.organization.id)).toEqual({ total: 2, pending: 2 });
    expect(await rowsOf(kept.organization.id)).toBe(2);
    const { ids } = await allPages(kept.token, "kept.test", 10);
    expect(ids).toHaveLength(2);
  });
});
