import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { newId } from "../../src/lib/ids";
import { countingEnv, expectProblem, get, patch } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";
import { storedEvents } from "../helpers/events";
import type { Schemas } from "../helpers/document";

const list = (token: string, query: `?${string}` | "" = "") => get(`/api/organizations/me/events${query}`, { token });

describe("GET /api/organizations/me/events", () => {
  it("lists the organization's events newest first, exactly as stored, and reads one by id", async () => {
    const owner = await signUp();
    const role = await createRole(owner.token, "Guide", []);
    const res = await list(owner.token);
    expect(res.status).toBe(200);
    expect(res.body.data.map((e) => e.type)).toEqual(["role.created", "member.added"]);
    const [created] = res.body.data;
    expect(created).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "role.created",
      createdAt: expect.any(String),
      organizationId: owner.organization.id,
      actor: { type: "user", id: owner.user.id, name: owner.user.name },
      requestId: expect.stringMatching(/^req_/),
      data: { object: role },
    });
    expect((await get(`/api/organizations/me/events/${created!.id}`, { token: owner.token })).body).toEqual(created);
  });

  it("filters by exact type, by prefix.*, by actor and by time, and pages with a cursor", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const member = await addMember(owner.organization.id, "member");
    await createRole(key.key, "By Key", []);
    await patch(`/api/organizations/members/${member.member.id}`, { role: "By Key" }, { token: owner.token });
    const all = (await list(owner.token, "?limit=100")).body.data;

    expect(
      (await list(owner.token, "?type=role.created")).body.data.map((e) => ("name" in e.data.object ? e.data.object.name : null)),
    ).toEqual(["By Key"]);
    expect((await list(owner.token, "?type=member.*")).body.data.map((e) => e.type)).toEqual(["member.updated", "member.added"]);
    expect((await list(owner.token, `?actorId=${key.id}`)).body.data.map((e) => e.type)).toEqual(["role.created"]);

    const middle = all[1]!;
    const since = (await list(owner.token, `?since=${encodeURIComponent(middle.createdAt)}&limit=100`)).body.data;
    expect(since.every((e) => e.createdAt >= middle.createdAt)).toBe(true);
    expect(since.map((e) => e.id)).toContain(middle.id);
    const until = (await list(owner.token, `?until=${encodeURIComponent(middle.createdAt)}&limit=100`)).body.data;
    expect(until.every((e) => e.createdAt <= middle.createdAt)).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Schemas["EventPage"] = (await list(owner.token, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`)).body;
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it("makes one D1 query per page, whatever the filters", async () => {
    const owner = await signUp();
    for (let i = 0; i < 3; i++) await createRole(owner.token, `Counted ${i}`, []);
    await list(owner.token); // warm the auth cache
    for (const query of ["?limit=2", "?type=role.*&limit=2", `?actorId=${owner.user.id}&since=2020-01-01T00:00:00Z`]) {
      const { env: counted, counts } = countingEnv();
      const res = await get(`/api/organizations/me/events${query}`, { token: owner.token, env: counted });
      expect(res.status).toBe(200);
      expect(counts).toEqual({ d1: 1, kv: 0 });
    }
  });

  it("refuses an unknown type, a bad time and a foreign cursor with a 400", async () => {
    const owner = await signUp();
    expectProblem(await list(owner.token, "?type=member.exploded"), 400, "validation_failed");
    expectProblem(await list(owner.token, "?type=nothing.*"), 400, "validation_failed");
    expectProblem(await list(owner.token, "?since=yesterday"), 400, "validation_failed");
    expectProblem(await list(owner.token, "?cursor=bm9wZQ"), 400, "invalid_cursor");
  });

  it("never lists another organization's events, and its event ids are a 404", async () => {
    const a = await signUp();
    const b = await signUp();
    await createRole(b.token, "Secret Plans", []);
    const [theirs] = await storedEvents(b.organization.id, "role.created");
    const mine = (await list(a.token, "?limit=100")).body.data;
    expect(mine.every((e) => e.organizationId === a.organization.id)).toBe(true);
    expect(mine.map((e) => e.id)).not.toContain(theirs!.id);
    expectProblem(await get(`/api/organizations/me/events/${theirs!.id}`, { token: a.token }), 404, "not_found");
  });

  it("needs audit_logs.read: a Member is a 403", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    expectProblem(await list(member.token), 403, "forbidden");
  });
});

describe("retention (the Cron Trigger)", () => {
  it("scheduled() deletes events older than EVENT_RETENTION_DAYS and keeps the rest", async () => {
    const owner = await signUp();
    const now = Date.now();
    const old = [newId("evt", now - 91 * 86_400_000), newId("evt", now - 200 * 86_400_000)];
    const recent = newId("evt", now - 89 * 86_400_000);
    for (const [id, at] of [
      [old[0], now - 91 * 86_400_000],
      [old[1], now - 200 * 86_400_000],
      [recent, now - 89 * 86_400_000],
    ] as const) {
      await seedEvent(id!, owner.organization.id, at);
    }
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(now), cron: "17 * * * *" }), env as Env, ctx);
    await waitOnExecutionContext(ctx);
    const left = (await storedEvents(owner.organization.id)).map((e) => e.id);
    expect(left).toContain(recent);
    expect(left).not.toContain(old[0]);
    expect(left).not.toContain(old[1]);
    expect(left.filter((id) => id !== recent)).toHaveLength(1); // sign-up's member.added
  });

  it("honours EVENT_RETENTION_DAYS", async () => {
    const owner = await signUp();
    const now = Date.now();
    const twoDays = newId("evt", now - 2 * 86_400_000);
    await seedEvent(twoDays, owner.organization.id, now - 2 * 86_400_000);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(now), cron: "17 * * * *" }),
      { ...(env as Env), EVENT_RETENTION_DAYS: "1" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect((await storedEvents(owner.organization.id)).map((e) => e.type)).toEqual(["member.added"]);
  });
});

function seedEvent(id: string, organizationId: string, at: number) {
  return env.DB.prepare(
    "INSERT INTO events (id, organization_id, type, actor_type, actor_id, actor_name, request_id, data, created_at) VALUES (?, ?, 'role.created', 'system', NULL, 'system', 'req_seed', '{\"object\":{}}', ?)",
  )
    .bind(id, organizationId, at)
    .run();
}
