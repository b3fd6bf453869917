import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { seedOrganization } from "../helpers/factories";
import { seedEndpoint, seedEvent } from "../helpers/webhooks";

/**
 * The env with its D1 counted per statement and per round trip: `prepare` is one statement; a
 * `batch` is one round trip however many statements it carries, and so is a statement run alone.
 */
function statementCountingEnv() {
  const counts = { statements: 0, roundTrips: 0 };
  const countStatement = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop);
        if (typeof value !== "function") return value;
        if (prop === "bind")
          return (...args: unknown[]) => countStatement((value as (...a: unknown[]) => D1PreparedStatement).apply(obj, args));
        if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") {
          return (...args: unknown[]) => {
            counts.roundTrips++;
            return (value as (...a: unknown[]) => unknown).apply(obj, args);
          };
        }
        return value.bind(obj);
      },
    });
  const unwrap = (statement: D1PreparedStatement) => (statement as unknown as { [RAW]?: D1PreparedStatement })[RAW] ?? statement;
  const RAW = Symbol("raw");
  const db = new Proxy(env.DB, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop);
      if (prop === "prepare") {
        return (query: string) => {
          counts.statements++;
          const raw = obj.prepare(query);
          const counted = countStatement(raw);
          Object.defineProperty(raw, RAW, { value: raw });
          return counted;
        };
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counts.roundTrips++;
          return obj.batch(statements.map(unwrap));
        };
      }
      return typeof value === "function" ? value.bind(obj) : value;
    },
  });
  return { env: { ...(env as Env), DB: db } as Env, counts };
}

async function runConsumer(counted: Env, bodies: unknown[]) {
  const batch = createMessageBatch(
    WEBHOOKS_QUEUE,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, counted, ctx);
  return getQueueResult(batch, ctx);
}

const deliveriesOf = async (eventId: string) =>
  (
    await env.DB.prepare("SELECT id, status, attempts FROM webhook_deliveries WHERE event_id = ?")
      .bind(eventId)
      .all<{ id: string; status: string; attempts: number }>()
  ).results;

describe("fan-out cost in the consumer (capacity model: docs/performance.md)", () => {
  it("fanning one event out is 4 statements in 2 round trips with 1 or 20 endpoints, 2 in 2 with none", async () => {
    const costs: Record<number, { statements: number; roundTrips: number; deliveries: number }> = {};
    for (const endpoints of [0, 1, 20]) {
      const owner = await seedOrganization();
      for (let i = 0; i < endpoints; i++) await seedEndpoint(owner.organization.id);
      const eventId = await seedEvent(owner.organization.id, "role.created");
      const { env: counted, counts } = statementCountingEnv();
      const result = await runConsumer(counted, [{ kind: "event", eventId }]);
      expect(result.explicitAcks).toEqual(["m0"]);
      const rows = await deliveriesOf(eventId);
      expect(rows).toHaveLength(endpoints);
      expect(rows.every((row) => row.status === "pending" && row.attempts === 0 && row.id.startsWith("dlv_"))).toBe(true);
      costs[endpoints] = { ...counts, deliveries: rows.length };
    }
    expect(costs[0]).toEqual({ statements: 2, roundTrips: 2, deliveries: 0 });
    expect(costs[1]).toEqual({ statements: 4, roundTrips: 2, deliveries: 1 });
    expect(costs[20]).toEqual({ statements: 4, roundTrips: 2, deliveries: 20 });
  });

  it("a redelivered fan-out message writes no second row, and the event marks itself fanned out", async () => {
    const owner = await seedOrganization();
    for (let i = 0; i < 3; i++) await seedEndpoint(owner.organization.id);
    const eventId = await seedEvent(owner.organization.id, "role.created");
    await runConsumer(env as Env, [{ kind: "event", eventId }]);
    const first = (await deliveriesOf(eventId)).map((row) => row.id).sort();
    await runConsumer(env as Env, [{ kind: "event", eventId }]);
    expect((await deliveriesOf(eventId)).map((row) => row.id).sort()).toEqual(first);
    const event = await env.DB.prepare("SELECT fanned_out_at FROM events WHERE id = ?")
      .bind(eventId)
      .first<{ fanned_out_at: number | null }>();
    expect(event?.fanned_out_at).toBeGreaterThan(0);
  });

  it("each delivery attempt is 3 statements in 2 round trips (its read, then its bookkeeping batch)", async () => {
    const owner = await seedOrganization();
    for (let i = 0; i < 5; i++) await seedEndpoint(owner.organization.id);
    const eventId = await seedEvent(owner.organization.id, "role.created");
    await runConsumer(env as Env, [{ kind: "event", eventId }]);
    const pending = await deliveriesOf(eventId);
    expect(pending).toHaveLength(5);
    const { env: counted, counts } = statementCountingEnv();
    // The test network (vitest.config.ts outboundService) answers 200: each attempt succeeds.
    const result = await runConsumer(
      counted,
      pending.map((row) => ({ kind: "delivery", deliveryId: row.id, organizationId: owner.organization.id })),
    );
    expect(result.explicitAcks.sort()).toEqual(pending.map((_, i) => `m${i}`).sort());
    expect((await deliveriesOf(eventId)).map((row) => row.status)).toEqual(Array(5).fill("succeeded"));
    expect(counts).toEqual({ statements: 3 * 5, roundTrips: 2 * 5 });
  });
});
