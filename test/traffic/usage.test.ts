import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { call, countingEnv, countUntilLimited, envWithFailingQueries, expectProblem, get } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";
import { untilUsage } from "../helpers/usage";
import { addUsage, takeUsageMessages } from "../../src/services/traffic/usage-buffer";
import { USAGE_QUEUE } from "../../src/queues/usage";
import { pruneUsage } from "../../src/services/traffic/usage-ingest";
import { testContext } from "../helpers/context";
import type { Schemas } from "../helpers/document";

const HOUR = 3_600_000;
const DAY = 86_400_000;

type Bucket = Schemas["ApiKeyUsageBucket"];

const usageOf = (token: string, keyId: string, query = "") =>
  get(`/api/organizations/api-keys/${keyId}/usage${query}` as `/api/organizations/api-keys/${string}/usage`, { token });
const totals = (buckets: Bucket[]) =>
  buckets.reduce(
    (t, b) => ({
      requests: t.requests + b.requests,
      clientErrors: t.clientErrors + b.clientErrors,
      serverErrors: t.serverErrors + b.serverErrors,
      rateLimited: t.rateLimited + b.rateLimited,
    }),
    {
      requests: 0,
      clientErrors: 0,
      serverErrors: 0,
      rateLimited: 0,
    },
  );

describe("API-key usage", () => {
  it("counts requests, client errors, server errors and rate-limited answers into the key's hour and day buckets", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member", { rateLimit: "low" });
    const startedAt = Date.now();

    // 3 answered reads, 2 client errors (a 403 and a 400), 1 server error (a query that fails).
    for (let i = 0; i < 3; i++) expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    expectProblem(await get("/api/organizations/api-keys", { token: key.key }), 403, "forbidden");
    expectProblem(await get("/api/organizations/members?limit=0", { token: key.key }), 400, "validation_failed");
    const failing = envWithFailingQueries(() => true, "boom: the test broke every query");
    const broken = await call("GET", "/api/organizations/members", { token: key.key, env: failing });
    expect(broken.status).toBe(500);
    // Then the key's limit: the rest of its 60 a minute, and at least one 429.
    const { allowedBefore, statuses } = await countUntilLimited(60, () => get("/api/organizations/me", { token: key.key }));
    const sent = 6 + statuses.length;
    const expected = { requests: sent, clientErrors: 2, serverErrors: 1, rateLimited: 1 };
    expect(allowedBefore).toBeGreaterThan(0);

    const hours = await untilUsage(
      () => usageOf(owner.token, key.id),
      (res) => res.status === 200 && totals(res.body.data).requests >= sent,
    );
    expect(totals(hours.body.data)).toEqual(expected);
    const hourStarts = hours.body.data.map((b) => Date.parse(b.start));
    for (const start of hourStarts) {
      expect(start % HOUR).toBe(0);
      expect(start).toBeGreaterThanOrEqual(startedAt - (startedAt % HOUR));
    }
    expect(hourStarts).toEqual([...hourStarts].sort((a, b) => b - a)); // newest first

    const days = await usageOf(owner.token, key.id, "?granularity=day");
    expect(days.status).toBe(200);
    expect(totals(days.body.data)).toEqual(expected);
    expect(Date.parse(days.body.data[0]!.start) % DAY).toBe(0);

    // lastUsedAt comes from the same counts.
    const list = await get("/api/organizations/api-keys", { token: owner.token });
    const listed = list.body.data.find((k) => k.id === key.id);
    expect(Date.parse(listed?.lastUsedAt ?? "")).toBeGreaterThanOrEqual(startedAt);
  });

  it("a range outside the buckets shows none; bad ranges are 400 validation_failed", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const old = await usageOf(owner.token, key.id, "?since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z");
    expect(old.status).toBe(200);
    expect(old.body).toEqual({ data: [] });
    expectProblem(await usageOf(owner.token, key.id, "?granularity=week"), 400, "validation_failed");
    expectProblem(await usageOf(owner.token, key.id, "?since=yesterday"), 400, "validation_failed");
    expectProblem(await usageOf(owner.token, key.id, "?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"), 400, "validation_failed");
    // At most 7 days of hours, 90 of days.
    expectProblem(await usageOf(owner.token, key.id, "?since=2026-01-01T00:00:00Z&until=2026-01-09T00:00:00Z"), 400, "validation_failed");
    expect((await usageOf(owner.token, key.id, "?granularity=day&since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z")).status).toBe(200);
    expectProblem(
      await usageOf(owner.token, key.id, "?granularity=day&since=2026-01-01T00:00:00Z&until=2026-06-01T00:00:00Z"),
      400,
      "validation_failed",
    );
  });

  it("another organization's key, an unknown or a malformed id → 404", async () => {
    const [a, b] = [await signUp(), await signUp()];
    const theirs = await createKey(b.token, "Member");
    expectProblem(await usageOf(a.token, theirs.id), 404, "not_found");
    expectProblem(await usageOf(a.token, "key_01JD3S0M8N9A1B2C3D4E5F6G7H"), 404, "not_found");
    expectProblem(await usageOf(a.token, "nope"), 404, "not_found");
  });

  it("D1 statements stay bounded: 1,000 requests of 3 keys over 5 isolates' flushes are one batch of 9 statements, not 1,000 writes", async () => {
    const owner = await signUp();
    const keys = [await createKey(owner.token, "Member"), await createKey(owner.token, "Member"), await createKey(owner.token, "Member")];
    takeUsageMessages(); // start from an empty buffer

    // Five isolates, each serving all three keys, each flushing its own sums (one message each).
    const messages = [];
    const now = Date.now();
    for (let isolate = 0; isolate < 5; isolate++) {
      for (let i = 0; i < 200; i++) addUsage(keys[i % 3]!.id, i % 10 === 0 ? "client_error" : "ok", now);
      messages.push(...takeUsageMessages());
    }
    expect(messages).toHaveLength(5);

    const { env: counted, counts } = countingEnv();
    const batch = createMessageBatch(
      USAGE_QUEUE,
      messages.map((body, i) => ({ id: `usage-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, counted as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.length + (result.ackAll ? messages.length : 0)).toBeGreaterThanOrEqual(messages.length);
    expect(result.retryBatch.retry).toBe(false);

    // 3 keys × (hour upsert + day upsert + lastUsedAt) = 9 statements, prepared and sent in one batch: 10 D1 calls.
    expect(counts).toEqual({ d1: 10, kv: 0 });
    const { results } = await env.DB.prepare(
      "SELECT granularity, sum(requests) AS requests, sum(client_errors) AS clientErrors FROM api_key_usage WHERE organization_id = ? GROUP BY granularity ORDER BY granularity",
    )
      .bind(owner.organization.id)
      .all();
    expect(results).toEqual([
      { granularity: "day", requests: 1000, clientErrors: 100 },
      { granularity: "hour", requests: 1000, clientErrors: 100 },
    ]);

    // Ten times the isolates, ten times the requests: the same 9 statements.
    for (let isolate = 0; isolate < 50; isolate++) {
      for (let i = 0; i < 200; i++) addUsage(keys[i % 3]!.id, "ok", now);
      messages.push(...takeUsageMessages());
    }
    const more = countingEnv();
    const second = createMessageBatch(
      USAGE_QUEUE,
      messages.slice(5).map((body, i) => ({ id: `more-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx2 = createExecutionContext();
    await worker.queue(second, more.env as Env, ctx2);
    await getQueueResult(second, ctx2);
    expect(more.counts).toEqual({ d1: 10, kv: 0 });
    const hour = await env.DB.prepare("SELECT sum(requests) AS n FROM api_key_usage WHERE organization_id = ? AND granularity = 'hour'")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(hour!.n).toBe(11_000);
  });

  it("a revoked key's counts write nothing (and fail nothing); a message that does not parse is dropped", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    await call("DELETE", `/api/organizations/api-keys/${key.id}`, { token: owner.token });
    takeUsageMessages();
    addUsage(key.id, "ok");
    const [message] = takeUsageMessages();
    const batch = createMessageBatch(USAGE_QUEUE, [
      { id: "u1", timestamp: new Date(), attempts: 1, body: message },
      { id: "u2", timestamp: new Date(), attempts: 1, body: { kind: "usage", entries: [{ keyId: "not-a-key" }] } as unknown },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch.retry).toBe(false);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM api_key_usage WHERE api_key_id = ?").bind(key.id).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("buckets older than 90 days are pruned by the upkeep; newer ones stay", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const now = Date.now();
    const insert = (start: number) =>
      env.DB.prepare(
        "INSERT INTO api_key_usage (api_key_id, organization_id, granularity, bucket_start, requests) VALUES (?, ?, 'day', ?, 1)",
      )
        .bind(key.id, owner.organization.id, start)
        .run();
    const dayStart = now - (now % DAY);
    await insert(dayStart - 91 * DAY);
    await insert(dayStart - 89 * DAY);
    const result = await pruneUsage(testContext(), now);
    expect(result.done).toBe(true);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    const { results } = await env.DB.prepare("SELECT bucket_start AS start FROM api_key_usage WHERE api_key_id = ?")
      .bind(key.id)
      .all<{ start: number }>();
    expect(results.map((r) => r.start)).toEqual([dayStart - 89 * DAY]);
  });
});
