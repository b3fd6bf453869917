import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { EVENT_READ_PERMISSIONS, EVENT_TYPES, readPermissionsFor } from "../../src/domain/event-types";
import { PERMISSIONS } from "../../src/domain/permissions";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { expectProblem, get, patch, post } from "../helpers/api";
import { addMember, createRole, seedOrganization } from "../helpers/factories";
import { storedEvents } from "../helpers/events";
import { createEndpoint, endpointRow } from "../helpers/webhooks";

afterEach(() => vi.restoreAllMocks());

/** An organization and a member whose custom role may manage webhooks but read nothing else. */
async function hookKeeper() {
  const owner = await seedOrganization();
  await createRole(owner.token, "Hook Keeper", ["webhooks.read", "webhooks.create", "webhooks.update"]);
  const keeper = await addMember(owner.organization.id, "hook keeper", "keeper");
  return { owner, keeper };
}

const create = (token: string, body: Record<string, unknown>) =>
  post("/api/organizations/webhooks", { url: "https://hooks.example.com/keeper", ...body }, { token });

describe("who may subscribe to what", () => {
  it("every event type says which read permission its payload needs, and each is in the permission catalog", () => {
    expect(Object.keys(EVENT_READ_PERMISSIONS).sort()).toEqual([...EVENT_TYPES].sort());
    for (const needed of Object.values(EVENT_READ_PERMISSIONS)) for (const permission of needed) expect(PERMISSIONS).toContain(permission);
    expect(readPermissionsFor(["*"])).toEqual(["users.read", "roles.read", "api_keys.read", "webhooks.read"]);
    expect(readPermissionsFor([])).toEqual(readPermissionsFor(["*"]));
    expect(readPermissionsFor(["organization.*"])).toEqual([]);
    expect(readPermissionsFor(["invitation.accepted", "role.*"])).toEqual(["users.read", "roles.read"]);
    expect(readPermissionsFor(["webhook.*"])).toEqual(["webhooks.read"]);
  });

  it("a role with only webhooks.read/create/update cannot subscribe to what users.read, roles.read or api_keys.read guard: 403 naming them, nothing created", async () => {
    const { owner, keeper } = await hookKeeper();
    // The member cannot read members or the audit log directly…
    expectProblem(await get("/api/organizations/members", { token: keeper.token }), 403, "forbidden");
    // …so it may not have them delivered either.
    const refusals: [unknown, string][] = [
      [["member.*"], "users.read"],
      [["invitation.*"], "users.read"],
      [["invitation.accepted"], "users.read"],
      [["member.updated", "organization.*"], "users.read"],
      [["role.created"], "roles.read"],
      [["api_key.*"], "api_keys.read"],
      [["*"], "users.read, roles.read, api_keys.read permissions"],
      [undefined, "users.read, roles.read, api_keys.read permissions"], // the default is every type
    ];
    for (const [eventTypes, named] of refusals) {
      const problem = expectProblem(await create(keeper.token, eventTypes === undefined ? {} : { eventTypes }), 403, "forbidden");
      expect(problem.detail).toContain(named);
      expect(problem.detail).not.toContain("webhooks.read");
    }
    // An empty list would mean every type: it is refused as input before any permission is weighed.
    expectProblem(await create(keeper.token, { eventTypes: [] }), 400, "validation_failed");
    expect((await get("/api/organizations/webhooks", { token: owner.token })).body.data).toEqual([]);
    expect(await storedEvents(owner.organization.id, "webhook_endpoint.created")).toEqual([]);
  });

  it("the same role can subscribe to organization.* and to webhook types (webhooks.read)", async () => {
    const { owner, keeper } = await hookKeeper();
    const res = await create(keeper.token, { eventTypes: ["organization.*", "webhook_endpoint.*", "webhook.test"] });
    expect(res.status).toBe(201);
    expect(res.body.eventTypes).toEqual(["organization.*", "webhook_endpoint.*", "webhook.test"]);
    expect((await get(`/api/organizations/webhooks/${res.body.id}`, { token: owner.token })).status).toBe(200);
  });

  it("PATCH of eventTypes re-checks: widening to member.* is a 403 and changes nothing", async () => {
    const { owner, keeper } = await hookKeeper();
    const endpoint = await createEndpoint(keeper.token, { eventTypes: ["organization.*"] });
    const problem = expectProblem(
      await patch(`/api/organizations/webhooks/${endpoint.id}`, { eventTypes: ["organization.*", "member.*"] }, { token: keeper.token }),
      403,
      "forbidden",
    );
    expect(problem.detail).toContain("users.read");
    expect((await endpointRow(endpoint.id))!.event_types).toBe('["organization.*"]');
    expect(await storedEvents(owner.organization.id, "webhook_endpoint.updated")).toEqual([]);
  });

  it("PATCH of url re-checks the subscription as it stands: an endpoint an Admin subscribed to * cannot be pointed elsewhere by the keeper", async () => {
    const { owner, keeper } = await hookKeeper();
    const endpoint = await createEndpoint(owner.token, { url: "https://hooks.example.com/admins" });
    const problem = expectProblem(
      await patch(`/api/organizations/webhooks/${endpoint.id}`, { url: "https://attacker.example.net/collect" }, { token: keeper.token }),
      403,
      "forbidden",
    );
    expect(problem.detail).toContain("users.read, roles.read, api_keys.read");
    expect((await endpointRow(endpoint.id))!.url).toBe("https://hooks.example.com/admins");
    // Changes that move nothing to a new reader (description, enabled) stay the keeper's to make.
    const described = await patch(`/api/organizations/webhooks/${endpoint.id}`, { description: "Admins' hook" }, { token: keeper.token });
    expect(described.status).toBe(200);
    expect((await endpointRow(endpoint.id))!.description).toBe("Admins' hook");
    // Narrowing the subscription in the same PATCH makes the new URL acceptable.
    const moved = await patch(
      `/api/organizations/webhooks/${endpoint.id}`,
      { url: "https://hooks.example.org/keeper", eventTypes: ["organization.*"] },
      { token: keeper.token },
    );
    expect(moved.status).toBe(200);
    expect(await endpointRow(endpoint.id)).toMatchObject({ url: "https://hooks.example.org/keeper", event_types: '["organization.*"]' });
  });

  it("a role that holds users.read may subscribe to member.*", async () => {
    const owner = await seedOrganization();
    await createRole(owner.token, "Member Watcher", ["users.read", "webhooks.create"]);
    const watcher = await addMember(owner.organization.id, "member watcher", "watcher");
    expect((await create(watcher.token, { eventTypes: ["member.*", "invitation.*"] })).status).toBe(201);
  });
});

describe("webhook URLs are capability-bearing: events show their origin only", () => {
  const SECRET_URL = "https://hooks.example.com/t/sk_live_capability?token=hunter2";

  it("webhook_endpoint.* events in the audit log carry the origin in data.object and data.previous; the API keeps the full URL", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token, { url: SECRET_URL });
    expect(endpoint.url).toBe(SECRET_URL);
    await patch(
      `/api/organizations/webhooks/${endpoint.id}`,
      { url: "https://hooks.example.com/t/rotated-capability" },
      { token: owner.token },
    );
    await patch(
      `/api/organizations/webhooks/${endpoint.id}`,
      { url: "https://other.example.net/t/next-capability" },
      { token: owner.token },
    );
    await post(`/api/organizations/webhooks/${endpoint.id}/rotate-secret`, undefined, { token: owner.token });
    expect((await get(`/api/organizations/webhooks/${endpoint.id}`, { token: owner.token })).body.url).toBe(
      "https://other.example.net/t/next-capability",
    );

    const log = await get("/api/organizations/me/events?type=webhook_endpoint.*", { token: owner.token });
    expect(log.status).toBe(200);
    const events = log.body.data;
    expect(events).toHaveLength(4);
    const created = events.find((e) => e.type === "webhook_endpoint.created")!.data.object;
    expect("url" in created ? created.url : null).toBe("https://hooks.example.com/…");
    const moves = events.filter((e) => e.data.previous?.url !== undefined).map((e) => e.data);
    expect(moves).toEqual(
      expect.arrayContaining([
        // A path-only change is still shown as a change of url (compared on full URLs, shown as origins).
        expect.objectContaining({
          object: expect.objectContaining({ url: "https://hooks.example.com/…" }),
          previous: expect.objectContaining({ url: "https://hooks.example.com/…" }),
        }),
        expect.objectContaining({
          object: expect.objectContaining({ url: "https://other.example.net/…" }),
          previous: expect.objectContaining({ url: "https://hooks.example.com/…" }),
        }),
      ]),
    );
    expect(moves).toHaveLength(2);
    for (const { data } of events)
      expect("url" in data.object ? data.object.url : null).toMatch(/^https:\/\/(hooks\.example\.com|other\.example\.net)\/…$/);
    expect(log.text).not.toMatch(/capability|hunter2|sk_live/);
    const raw = (await storedEvents(owner.organization.id)).map((e) => e.raw).join();
    expect(raw).not.toMatch(/capability|hunter2|sk_live/);
  });

  it("the webhook.test payload a receiver gets shows the origin only, and still verifies", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token, { url: SECRET_URL, eventTypes: ["webhook.test"] });
    const test = await post(`/api/organizations/webhooks/${endpoint.id}/test`, undefined, { token: owner.token });
    expect(test.status).toBe(202);
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok"));
    // The real consumer may have sent it already (to the test network): a manual message sends it once more, to the stub.
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'pending' WHERE id = ?").bind(test.body.deliveryId).run();
    const batch = createMessageBatch(WEBHOOKS_QUEUE, [
      { id: "t0", timestamp: new Date(), attempts: 1, body: { kind: "delivery", deliveryId: test.body.deliveryId, manual: true } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as Env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["t0"]);
    const [url, init] = spy.mock.calls[0]!;
    expect(String(url)).toBe(SECRET_URL);
    const payload = new Webhook(endpoint.secret).verify(
      String(init!.body),
      Object.fromEntries(new Headers(init!.headers).entries()),
    ) as any;
    expect(payload).toMatchObject({
      id: test.body.eventId,
      type: "webhook.test",
      data: { object: { id: endpoint.id, url: "https://hooks.example.com/…" } },
    });
    expect(String(init!.body)).not.toMatch(/capability|hunter2/);
  });

  it("an event recorded before the rule, with the full URL at rest, is shown with the origin only", async () => {
    const owner = await seedOrganization();
    const id = "evt_01M8J0000000000000000000ZZ";
    await env.DB.prepare(
      "INSERT INTO events (id, organization_id, type, actor_type, actor_id, actor_name, request_id, data, created_at) VALUES (?, ?, 'webhook_endpoint.updated', 'system', NULL, 'system', 'req_seed', ?, ?)",
    )
      .bind(
        id,
        owner.organization.id,
        JSON.stringify({ object: { id: "whe_x", url: SECRET_URL }, previous: { url: "https://old.example.com/secret-path" } }),
        Date.now(),
      )
      .run();
    const res = await get(`/api/organizations/me/events/${id}`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      object: { id: "whe_x", url: "https://hooks.example.com/…" },
      previous: { url: "https://old.example.com/…" },
    });
  });
});
