import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { newId } from "../../src/lib/ids";
import { MAX_DELIVERY_ATTEMPTS } from "../../src/services/webhooks/deliver";
import { post } from "../helpers/api";
import { seedOrganization } from "../helpers/factories";
import { onlyEvent } from "../helpers/events";
import { deliveryRow, endpointRow, seedEndpoint, seedEvent } from "../helpers/webhooks";

/**
 * The delivery half of the WEBHOOKS consumer, driven with createMessageBatch/getQueueResult. Only the
 * network edge is faked: the receiver, by stubbing the global fetch the delivery calls.
 */
afterEach(() => vi.restoreAllMocks());

async function deliver(messages: { attempts?: number; body: unknown }[]) {
  const batch = createMessageBatch(
    WEBHOOKS_QUEUE,
    messages.map((m, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const delays: (number | undefined)[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => (delays.push(options?.delaySeconds), retry(options));
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, env as Env, ctx);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

/** An org, an endpoint and a pending delivery of a stored event to it (nothing on the real queue). */
async function pendingDelivery(endpointOverrides: Parameters<typeof seedEndpoint>[1] = {}) {
  const owner = await seedOrganization();
  const endpoint = await seedEndpoint(owner.organization.id, endpointOverrides);
  const eventId = await seedEvent(owner.organization.id, "role.created", { id: "role_x", name: "Guide" });
  const deliveryId = newId("dlv");
  await env.DB.prepare(
    "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, 'role.created', 'pending', 0, ?)",
  )
    .bind(deliveryId, endpoint.id, owner.organization.id, eventId, Date.now())
    .run();
  return { owner, endpoint, eventId, deliveryId, message: { kind: "delivery", deliveryId } };
}

function receiver(status = 200, text = "ok") {
  return vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(text, { status }));
}

const sent = (spy: ReturnType<typeof receiver>, i = 0) => {
  const [url, init] = spy.mock.calls[i]!;
  return { url: String(url), headers: Object.fromEntries(new Headers(init!.headers).entries()), body: String(init!.body) };
};

describe("delivering a webhook", () => {
  it("POSTs the event JSON signed per Standard Webhooks: the standardwebhooks library verifies it", async () => {
    const d = await pendingDelivery();
    const spy = receiver();
    const result = await deliver([{ body: d.message }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    const request = sent(spy);
    expect(request.url).toBe("https://hooks.example.com/seeded");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-id"]).toBe(d.eventId);
    expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = new Webhook(d.endpoint.secret).verify(request.body, request.headers) as any;
    expect(payload).toMatchObject({
      id: d.eventId,
      type: "role.created",
      organizationId: d.owner.organization.id,
      data: { object: { name: "Guide" } },
    });
    expect(await deliveryRow(d.deliveryId)).toMatchObject({
      status: "succeeded",
      attempts: 1,
      response_status: 200,
      response_body: "ok",
      next_attempt_at: null,
    });
  });

  it("a message handled twice sends nothing more and books nothing twice", async () => {
    const d = await pendingDelivery();
    const spy = receiver();
    await deliver([{ body: d.message }]);
    await deliver([{ body: d.message }]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a 500 is kept in the log and retried with backoff; the last attempt fails it", async () => {
    const d = await pendingDelivery();
    receiver(500, "x".repeat(3000));
    const first = await deliver([{ body: d.message, attempts: 1 }]);
    expect(first.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(first.delays).toEqual([30]);
    const row = await deliveryRow(d.deliveryId);
    expect(row).toMatchObject({ status: "pending", attempts: 1, response_status: 500 });
    expect(row!.response_body).toHaveLength(1024);
    expect(row!.next_attempt_at).toBeGreaterThan(Date.now());
    expect((await endpointRow(d.endpoint.id))!.consecutive_failures).toBe(1);

    const last = await deliver([{ body: d.message, attempts: MAX_DELIVERY_ATTEMPTS }]);
    expect(last.explicitAcks).toEqual(["m0"]);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: "failed", attempts: 2, next_attempt_at: null });
  });

  it("a receiver that never answers is cut off by the 10 s timeout: logged as timed out, retried later", async () => {
    const d = await pendingDelivery();
    let signal: AbortSignal | undefined;
    // A receiver that accepts the connection and never answers: only the delivery's own signal ends it.
    vi.spyOn(globalThis, "fetch").mockImplementation((_url, init) => {
      signal = init?.signal ?? undefined;
      return new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(signal!.reason)));
    });
    const result = await deliver([{ body: d.message }]);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).name).toBe("TimeoutError");
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(result.delays).toEqual([30]);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      response_status: null,
      response_body: "Timed out after 10 s.",
    });
  }, 20_000);

  it("a receiver that sends 200 headers and then stalls its body is cut off by the same 10 s deadline: a failed attempt", async () => {
    const d = await pendingDelivery();
    let cancelled: unknown;
    // Headers at once, one chunk of body, then nothing: before the deadline covered the body, this was booked `succeeded`.
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(new TextEncoder().encode("partial")),
        cancel: (reason) => void (cancelled = reason ?? "cancelled"),
      });
      return new Response(body, { status: 200 });
    });
    const result = await deliver([{ body: d.message }]);
    expect(cancelled).toBeDefined();
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(result.delays).toEqual([30]);
    const row = await deliveryRow(d.deliveryId);
    expect(row).toMatchObject({
      status: "pending",
      attempts: 1,
      response_status: null,
      response_body: "Timed out after 10 s. The headers came (status 200); the body stalled.",
    });
    expect(row!.duration_ms).toBeGreaterThanOrEqual(10_000);
    expect((await endpointRow(d.endpoint.id))!.consecutive_failures).toBe(1);
  }, 20_000);

  it("reads at most the first 1 KiB of an answer that never ends, then stops: a 2xx is a success", async () => {
    const d = await pendingDelivery();
    let pulls = 0;
    let cancelled = false;
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => void (pulls++, controller.enqueue(new TextEncoder().encode("y".repeat(100)))),
        cancel: () => void (cancelled = true),
      });
      return new Response(body, { status: 202 });
    });
    const result = await deliver([{ body: d.message }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(cancelled).toBe(true);
    // 11 chunks of 100 bytes reach 1 KiB; a few more may be buffered ahead, never an unbounded read.
    expect(pulls).toBeLessThan(20);
    const row = await deliveryRow(d.deliveryId);
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, response_status: 202 });
    expect(row!.response_body).toBe("y".repeat(1024));
  });

  it("a refused connection is recorded as what it is, naming the origin to look at", async () => {
    const d = await pendingDelivery({ url: "https://hooks.example.com/seeded?token=capability" });
    // What workerd throws when nothing listens at the address (see scripts/webhooks-e2e.mjs, which sees the real one).
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("Network connection lost."));
    const result = await deliver([{ body: d.message }]);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      response_status: null,
      response_body: "Connection refused or lost: nothing answered at https://hooks.example.com.",
    });
  });

  it("during a rotation both secrets sign, and each verifies", async () => {
    const d = await pendingDelivery();
    const oldSecret = d.endpoint.secret;
    const rotated = await post(`/api/organizations/webhooks/${d.endpoint.id}/rotate-secret`, undefined, { token: d.owner.token });
    const spy = receiver();
    await deliver([{ body: d.message }]);
    const request = sent(spy);
    expect(request.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [oldSecret, rotated.body.secret])
      expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({ id: d.eventId });
  });

  it("a disabled endpoint gets nothing: the delivery fails unsent", async () => {
    const d = await pendingDelivery({ enabled: false });
    const spy = receiver();
    await deliver([{ body: d.message }]);
    expect(spy).not.toHaveBeenCalled();
    expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: "failed", attempts: 0 });
  });

  it("20 failures in a row with no success for 3 days disable the endpoint and record webhook_endpoint.disabled", async () => {
    const d = await pendingDelivery();
    await env.DB.prepare("UPDATE webhook_endpoints SET consecutive_failures = 19, failing_since = ? WHERE id = ?")
      .bind(Date.now() - 4 * 86_400_000, d.endpoint.id)
      .run();
    receiver(503);
    await deliver([{ body: d.message }]);
    expect(await endpointRow(d.endpoint.id)).toMatchObject({ enabled: 0, consecutive_failures: 20 });
    const event = await onlyEvent(d.owner.organization.id, "webhook_endpoint.disabled");
    expect(event.actor).toEqual({ type: "system", id: null, name: "system" });
    expect(event.data.object).toMatchObject({
      id: d.endpoint.id,
      enabled: false,
      disabledReason: expect.stringContaining("20 consecutive"),
    });
  });

  it("20 failures within 3 days do not disable it", async () => {
    const d = await pendingDelivery();
    await env.DB.prepare("UPDATE webhook_endpoints SET consecutive_failures = 30, failing_since = ? WHERE id = ?")
      .bind(Date.now() - 86_400_000, d.endpoint.id)
      .run();
    receiver(503);
    await deliver([{ body: d.message }]);
    expect(await endpointRow(d.endpoint.id)).toMatchObject({ enabled: 1, consecutive_failures: 31 });
  });

  it("a manual retry sends again with the same webhook-id", async () => {
    const d = await pendingDelivery();
    const spy = receiver(500);
    await deliver([{ body: d.message, attempts: MAX_DELIVERY_ATTEMPTS }]);
    expect((await deliveryRow(d.deliveryId))!.status).toBe("failed");
    spy.mockImplementation(async () => new Response("ok"));
    // What POST …/retry does before queueing its `manual` message (the route itself is in the matrix and the e2e check).
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'pending' WHERE id = ?").bind(d.deliveryId).run();
    await deliver([{ body: { ...d.message, manual: true } }]);
    await deliver([{ body: { ...d.message, manual: true } }]);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(sent(spy, 1).headers["webhook-id"]).toBe(sent(spy, 0).headers["webhook-id"]);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});
