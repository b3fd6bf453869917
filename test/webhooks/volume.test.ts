import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { newId } from "../../src/lib/ids";
import { IN_FLIGHT_PER_ORGANIZATION, WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { countUntilLimited, expectProblem, get, post } from "../helpers/api";
import { seedOrganization } from "../helpers/factories";
import { storedEvents } from "../helpers/events";
import { createEndpoint, deliveryRow, seedDelivery, seedEndpoint, seedEvent } from "../helpers/webhooks";

afterEach(() => vi.restoreAllMocks());

const SENDS_PER_MINUTE = 10;

describe("outbound volume is bounded per organization", () => {
  it("POST …/test is limited to 10 a minute per organization: then 429 rate_limited with Retry-After, recording nothing", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token);
    const { allowedBefore, limited } = await countUntilLimited(SENDS_PER_MINUTE, () =>
      post(`/api/organizations/webhooks/${endpoint.id}/test`, undefined, { token: owner.token }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(SENDS_PER_MINUTE);
    expect(allowedBefore).toBeLessThanOrEqual(2 * SENDS_PER_MINUTE);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
    // Each 202 recorded its webhook.test event and delivery; the 429 recorded neither.
    expect(await storedEvents(owner.organization.id, "webhook.test")).toHaveLength(allowedBefore);
    const deliveries = await get(`/api/organizations/webhooks/${endpoint.id}/deliveries?limit=100`, { token: owner.token });
    expect(deliveries.body.data.filter((d: { eventType: string }) => d.eventType === "webhook.test")).toHaveLength(allowedBefore);
    // Another organization's budget is its own.
    const other = await seedOrganization();
    const theirs = await createEndpoint(other.token);
    expect((await post(`/api/organizations/webhooks/${theirs.id}/test`, undefined, { token: other.token })).status).toBe(202);
  });

  it("POST …/retry shares that limit: the retry refused with 429 leaves its delivery as it was", async () => {
    const owner = await seedOrganization();
    const endpoint = await seedEndpoint(owner.organization.id);
    const failed = await Promise.all(
      Array.from({ length: 2 * SENDS_PER_MINUTE + 2 }, () => seedDelivery(owner.organization.id, endpoint.id)),
    );
    let i = 0;
    const { allowedBefore, limited } = await countUntilLimited(SENDS_PER_MINUTE, () =>
      post(`/api/organizations/webhooks/${endpoint.id}/deliveries/${failed[i++]}/retry`, undefined, { token: owner.token }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(SENDS_PER_MINUTE);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await deliveryRow(failed[allowedBefore]!)).toMatchObject({ status: "failed", attempts: 10 });
  });

  it("retrying a delivery that already succeeded is a 409 delivery_succeeded with nothing queued", async () => {
    const owner = await seedOrganization();
    const endpoint = await seedEndpoint(owner.organization.id);
    const delivered = await seedDelivery(owner.organization.id, endpoint.id, { status: "succeeded", attempts: 1 });
    const sent: unknown[] = [];
    const counting = {
      ...(env as Env),
      WEBHOOKS: { send: async (m: unknown) => void sent.push(m), sendBatch: async (m: unknown) => void sent.push(m) },
    } as unknown as Env;
    const problem = expectProblem(
      await post(`/api/organizations/webhooks/${endpoint.id}/deliveries/${delivered}/retry`, undefined, {
        token: owner.token,
        env: counting,
      }),
      409,
      "delivery_succeeded",
    );
    expect(problem.detail).toContain("already succeeded");
    expect(sent).toEqual([]);
    expect(await deliveryRow(delivered)).toMatchObject({ status: "succeeded", attempts: 1 });
    // A failed one is still retried, and queued with its organization (the consumer's lane).
    const failed = await seedDelivery(owner.organization.id, endpoint.id);
    expect(
      (
        await post(`/api/organizations/webhooks/${endpoint.id}/deliveries/${failed}/retry`, undefined, {
          token: owner.token,
          env: counting,
        })
      ).status,
    ).toBe(202);
    expect(sent).toEqual([{ kind: "delivery", deliveryId: failed, organizationId: owner.organization.id, manual: true }]);
    expect((await deliveryRow(failed))!.status).toBe("pending");
    // Unknown (or another organization's) delivery: still a 404.
    expectProblem(
      await post(`/api/organizations/webhooks/${endpoint.id}/deliveries/${newId("dlv")}/retry`, undefined, {
        token: owner.token,
        env: counting,
      }),
      404,
      "not_found",
    );
  });
});

describe("delivery concurrency: one organization's slow receivers do not hold back another's", () => {
  /** A pending delivery of a stored event to an endpoint at `url`, and its queue message (with its organization). */
  async function pending(organizationId: string, url: string) {
    const endpoint = await seedEndpoint(organizationId, { url });
    const eventId = await seedEvent(organizationId, "role.created");
    const deliveryId = newId("dlv");
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, 'role.created', 'pending', 0, ?)",
    )
      .bind(deliveryId, endpoint.id, organizationId, eventId, Date.now())
      .run();
    return { deliveryId, body: { kind: "delivery", deliveryId, organizationId } };
  }

  async function until(what: string, probe: () => Promise<boolean>, limitMs = 8000) {
    const from = Date.now();
    while (!(await probe())) {
      if (Date.now() - from > limitMs) throw new Error(`never happened: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("org A's receiver stalls: org B's attempts in the same batch complete and are acked while A's are still waiting, and A has at most its cap in flight", async () => {
    const a = await seedOrganization("Stalling Receivers Tours");
    const b = await seedOrganization("Prompt Receivers Tours");
    // A's messages first, as a sequential consumer would have taken them.
    const aDeliveries = [
      await pending(a.organization.id, "https://stalls.example.com/1"),
      await pending(a.organization.id, "https://stalls.example.com/2"),
      await pending(a.organization.id, "https://stalls.example.com/3"),
    ];
    const bDeliveries = [
      await pending(b.organization.id, "https://prompt.example.com/1"),
      await pending(b.organization.id, "https://prompt.example.com/2"),
    ];

    const order: string[] = [];
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const startedAtA: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = String(input);
      if (url.startsWith("https://stalls.example.com/")) {
        startedAtA.push(url);
        await stalled;
        order.push(`A answered ${url.slice(-1)}`);
      }
      return new Response("ok");
    });

    const messages = [...aDeliveries, ...bDeliveries].map((d, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: d.body }));
    const batch = createMessageBatch(WEBHOOKS_QUEUE, messages);
    for (const message of batch.messages) {
      const ack = message.ack.bind(message);
      message.ack = () => (order.push(`ack ${message.id}`), ack());
    }
    const ctx = createExecutionContext();
    const running = worker.queue(batch, env as Env, ctx);

    // B's deliveries are booked succeeded and their messages acked while every A attempt is still open.
    await until("B's deliveries succeeded", async () =>
      (await Promise.all(bDeliveries.map((d) => deliveryRow(d.deliveryId)))).every((row) => row?.status === "succeeded"),
    );
    await until("B's messages acked", async () => order.includes("ack m3") && order.includes("ack m4"));
    expect(order.filter((entry) => entry.startsWith("A answered"))).toEqual([]);
    for (const d of aDeliveries) expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: "pending", attempts: 0 });
    // A, alone in its lane, has only its cap of attempts open; the third waits for one of them.
    expect(startedAtA).toHaveLength(IN_FLIGHT_PER_ORGANIZATION);

    release();
    await running;
    const result = await getQueueResult(batch, ctx);
    expect([...result.explicitAcks].sort()).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(startedAtA).toHaveLength(3);
    for (const d of aDeliveries) expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
    // Every B ack came before any A answer.
    expect(order.indexOf("ack m4")).toBeLessThan(order.findIndex((entry) => entry.startsWith("A answered")));
  });
});
