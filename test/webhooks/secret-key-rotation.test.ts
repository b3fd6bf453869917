import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { newId } from "../../src/lib/ids";
import { setLogSink } from "../../src/lib/log";
import { keyIdOf, open, seal, UnknownSecretKeyError } from "../../src/lib/secret-box";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { RESEAL_BATCH_ROWS } from "../../src/services/webhooks/secret-key-rotation";
import { encryptSecret, mintWebhookSecret } from "../../src/services/webhooks/secrets";
import { post } from "../helpers/api";
import { seedOrganization } from "../helpers/factories";
import { deliveryRow, endpointRow, seedEvent } from "../helpers/webhooks";

afterEach(() => vi.restoreAllMocks());

const KEY_A = "operator-key-A: the one in use before the rotation";
const KEY_B = "operator-key-B: the one that replaces it";
const KEY_C = "operator-key-C: a key this deployment never held";

/** The deployed worker's env with the given keys. */
const withKeys = (current: string, previous?: string) =>
  ({ ...(env as Env), ENVIRONMENT: "production", WEBHOOK_SECRET_KEY: current, WEBHOOK_SECRET_KEY_PREVIOUS: previous }) as Env;

/** What every endpoint's secret looked like before ciphertexts named their key: `v1.<iv>.<ct>`, AES key = SHA-256 of the material. */
async function legacyV1(material: string, endpointId: string, secret: string) {
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  const key = await crypto.subtle.importKey(
    "raw",
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material)),
    "AES-GCM",
    false,
    ["encrypt"],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(endpointId) },
    key,
    new TextEncoder().encode(secret),
  );
  return `v1.${b64(iv)}.${b64(new Uint8Array(sealed))}`;
}

/**
 * An endpoint created through the API under `keys`, subscribed to `organization.deleted` only (so
 * the test runtime's own consumer, which holds the development key, has nothing to send it), and
 * a pending delivery of a stored event to it.
 */
async function endpointUnder(keys: Env) {
  const owner = await seedOrganization();
  const created = await post(
    "/api/organizations/webhooks",
    { url: "https://hooks.example.com/rotation", eventTypes: ["organization.deleted"] },
    { token: owner.token, env: keys },
  );
  expect(created.status).toBe(201);
  return { owner, id: created.body.id as string, secret: created.body.secret as string };
}

async function pendingDelivery(organizationId: string, endpointId: string) {
  const eventId = await seedEvent(organizationId, "role.created", { id: "role_rotated" });
  const deliveryId = newId("dlv");
  await env.DB.prepare(
    "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, 'role.created', 'pending', 0, ?)",
  )
    .bind(deliveryId, endpointId, organizationId, eventId, Date.now())
    .run();
  return deliveryId;
}

/** One delivery message through the consumer under `keys`; the receiver is a stub that answers 200. */
async function deliverUnder(keys: Env, deliveryId: string) {
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok"));
  const batch = createMessageBatch(WEBHOOKS_QUEUE, [
    { id: "r0", timestamp: new Date(), attempts: 1, body: { kind: "delivery", deliveryId } },
  ]);
  const delays: (number | undefined)[] = [];
  const retry = batch.messages[0]!.retry.bind(batch.messages[0]!);
  batch.messages[0]!.retry = (options?: QueueRetryOptions) => (delays.push(options?.delaySeconds), retry(options));
  const ctx = createExecutionContext();
  await worker.queue(batch, keys, ctx);
  const result = await getQueueResult(batch, ctx);
  const calls = spy.mock.calls.map(([, init]) => ({
    body: String(init!.body),
    headers: Object.fromEntries(new Headers(init!.headers).entries()),
  }));
  spy.mockRestore();
  return { result, calls, delays };
}

/** The upkeep walks every endpoint: the tests that count what it did start from none (storage is shared within a file). */
const noEndpoints = () => env.DB.prepare("DELETE FROM webhook_endpoints").run();

/** One run of the Cron Trigger under `keys`, returning its log lines. */
async function upkeepUnder(keys: Env) {
  const lines: Record<string, any>[] = [];
  setLogSink((_level, line) => void lines.push(JSON.parse(line)));
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/15 * * * *" }), keys, ctx);
  await waitOnExecutionContext(ctx);
  return lines;
}

describe("secret-box: ciphertexts name their key", () => {
  it("seals under the current key, opens under current or previous, and refuses a key it does not hold by id", async () => {
    const sealed = await seal({ current: KEY_A }, "test-purpose", "row_1", "s3cret");
    expect(sealed.split(".")).toHaveLength(4);
    expect(sealed.split(".")[0]).toBe("v2");
    expect(sealed.split(".")[1]).toBe(await keyIdOf(KEY_A));
    expect(sealed).not.toContain("s3cret");
    expect(await open({ current: KEY_A }, "test-purpose", "row_1", sealed)).toEqual({ plaintext: "s3cret", underPrevious: false });
    expect(await open({ current: KEY_B, previous: KEY_A }, "test-purpose", "row_1", sealed)).toEqual({
      plaintext: "s3cret",
      underPrevious: true,
    });
    const unknown = await open({ current: KEY_B, previous: KEY_C }, "test-purpose", "row_1", sealed).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownSecretKeyError);
    expect((unknown as UnknownSecretKeyError).keyId).toBe(await keyIdOf(KEY_A));
    // Bound to its row and to its purpose: the same key material does not open it elsewhere.
    await expect(open({ current: KEY_A }, "test-purpose", "row_2", sealed)).rejects.toThrow();
    await expect(open({ current: KEY_A }, "totp-secret", "row_1", sealed)).rejects.toThrow();
  });
});

describe("rotating WEBHOOK_SECRET_KEY without loss", () => {
  it("sealed under A, rotated to B with A as previous: deliveries still sign, and standardwebhooks verifies them", async () => {
    const { owner, id, secret } = await endpointUnder(withKeys(KEY_A));
    expect((await endpointRow(id))!.secret_ciphertext).toMatch(new RegExp(`^v2\\.${await keyIdOf(KEY_A)}\\.`));
    const deliveryId = await pendingDelivery(owner.organization.id, id);
    const { result, calls } = await deliverUnder(withKeys(KEY_B, KEY_A), deliveryId);
    expect(result.explicitAcks).toEqual(["r0"]);
    expect(calls).toHaveLength(1);
    expect(new Webhook(secret).verify(calls[0]!.body, calls[0]!.headers)).toMatchObject({ type: "role.created" });
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a legacy v1 ciphertext (no key id) still decrypts: under the current key, or the previous one", async () => {
    const { owner, id } = await endpointUnder(withKeys(KEY_A));
    const secret = mintWebhookSecret();
    await env.DB.prepare("UPDATE webhook_endpoints SET secret_ciphertext = ? WHERE id = ?")
      .bind(await legacyV1(KEY_A, id, secret), id)
      .run();
    for (const keys of [withKeys(KEY_A), withKeys(KEY_B, KEY_A)]) {
      const deliveryId = await pendingDelivery(owner.organization.id, id);
      const { calls } = await deliverUnder(keys, deliveryId);
      expect(new Webhook(secret).verify(calls[0]!.body, calls[0]!.headers)).toMatchObject({ type: "role.created" });
    }
  });

  it("the upkeep re-seals, in a bounded batch, every row still under the previous key or v1; then the previous key can go", async () => {
    await noEndpoints();
    const one = await endpointUnder(withKeys(KEY_A));
    const two = await endpointUnder(withKeys(KEY_A));
    // Two with v1 ciphertexts, one of them mid-rotation (an old secret still signing for 24 h).
    const legacy = await endpointUnder(withKeys(KEY_A));
    const legacySecret = mintWebhookSecret();
    const overlapSecret = mintWebhookSecret();
    await env.DB.prepare(
      "UPDATE webhook_endpoints SET secret_ciphertext = ?, previous_secret_ciphertext = ?, previous_secret_expires_at = ? WHERE id = ?",
    )
      .bind(
        await legacyV1(KEY_A, legacy.id, legacySecret),
        await legacyV1(KEY_A, legacy.id, overlapSecret),
        Date.now() + 3_600_000,
        legacy.id,
      )
      .run();
    // An expired overlap secret is cleared, not re-sealed: nothing signs with it any more.
    await env.DB.prepare(
      "UPDATE webhook_endpoints SET previous_secret_ciphertext = secret_ciphertext, previous_secret_expires_at = ? WHERE id = ?",
    )
      .bind(Date.now() - 1000, two.id)
      .run();

    const lines = await upkeepUnder(withKeys(KEY_B, KEY_A));
    const report = lines.find((l) => l.msg === "scheduled_upkeep")!.webhookSecrets;
    const idB = await keyIdOf(KEY_B);
    expect(report).toEqual({ currentKeyId: idB, resealed: 3, unreadable: 0, remaining: 0 });
    for (const { id } of [one, two, legacy]) expect((await endpointRow(id))!.secret_ciphertext).toMatch(new RegExp(`^v2\\.${idB}\\.`));
    expect(await endpointRow(two.id)).toMatchObject({ previous_secret_ciphertext: null, previous_secret_expires_at: null });
    expect((await endpointRow(legacy.id))!.previous_secret_ciphertext).toMatch(new RegExp(`^v2\\.${idB}\\.`));

    // A second run finds nothing left to do.
    expect((await upkeepUnder(withKeys(KEY_B, KEY_A))).find((l) => l.msg === "scheduled_upkeep")!.webhookSecrets).toMatchObject({
      resealed: 0,
      remaining: 0,
    });

    // Previous key retired: everything still signs, both overlap secrets included.
    const deliveryId = await pendingDelivery(one.owner.organization.id, one.id);
    const { calls } = await deliverUnder(withKeys(KEY_B), deliveryId);
    expect(new Webhook(one.secret).verify(calls[0]!.body, calls[0]!.headers)).toMatchObject({ type: "role.created" });
    const legacyDelivery = await pendingDelivery(legacy.owner.organization.id, legacy.id);
    const legacyCall = (await deliverUnder(withKeys(KEY_B), legacyDelivery)).calls[0]!;
    expect(legacyCall.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [legacySecret, overlapSecret])
      expect(new Webhook(secret).verify(legacyCall.body, legacyCall.headers)).toMatchObject({ type: "role.created" });
  });

  it("each run re-seals at most RESEAL_BATCH_ROWS rows and says how many remain, so an operator knows when it is done", async () => {
    await noEndpoints();
    const owner = await seedOrganization();
    const now = Date.now();
    const rows = RESEAL_BATCH_ROWS + 5;
    const statements = [];
    for (let i = 0; i < rows; i++) {
      const id = newId("whe");
      statements.push(
        env.DB.prepare(
          "INSERT INTO webhook_endpoints (id, organization_id, url, description, event_types, enabled, secret_ciphertext, created_at, updated_at) VALUES (?, ?, 'https://hooks.example.com/bulk', '', '[\"organization.deleted\"]', 1, ?, ?, ?)",
        ).bind(id, owner.organization.id, await encryptSecret(withKeys(KEY_A), id, mintWebhookSecret()), now, now),
      );
    }
    await env.DB.batch(statements);
    const first = (await upkeepUnder(withKeys(KEY_B, KEY_A))).find((l) => l.msg === "scheduled_upkeep")!.webhookSecrets;
    expect(first).toMatchObject({ resealed: RESEAL_BATCH_ROWS, unreadable: 0, remaining: 5 });
    const second = (await upkeepUnder(withKeys(KEY_B, KEY_A))).find((l) => l.msg === "scheduled_upkeep")!.webhookSecrets;
    expect(second).toMatchObject({ resealed: 5, remaining: 0 });
    const underB = await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE secret_ciphertext LIKE ?")
      .bind(`v2.${await keyIdOf(KEY_B)}.%`)
      .first<{ n: number }>();
    expect(underB!.n).toBe(rows);
  });

  it("a ciphertext under a key the deployment does not hold fails loudly, by key id, and the row is not lost", async () => {
    await noEndpoints();
    const { owner, id, secret } = await endpointUnder(withKeys(KEY_A));
    const before = (await endpointRow(id))!.secret_ciphertext;
    const idA = await keyIdOf(KEY_A);

    // The upkeep: logged with the endpoint and the key id (never the secret), the row untouched, counted as remaining.
    const lines = await upkeepUnder(withKeys(KEY_B, KEY_C));
    expect(lines.find((l) => l.msg === "webhook_secret_unreadable")).toMatchObject({ level: "error", endpointId: id, keyId: idA });
    expect(lines.find((l) => l.msg === "scheduled_upkeep")!.webhookSecrets).toMatchObject({ resealed: 0, unreadable: 1, remaining: 1 });
    expect((await endpointRow(id))!.secret_ciphertext).toBe(before);
    expect(JSON.stringify(lines)).not.toContain(secret.slice(6, 20));

    // A delivery: nothing sent, nothing counted against the endpoint, the delivery kept pending and retried later.
    const deliveryId = await pendingDelivery(owner.organization.id, id);
    const logged: string[] = [];
    setLogSink((_level, line) => void logged.push(line));
    const { result, calls, delays } = await deliverUnder(withKeys(KEY_B, KEY_C), deliveryId);
    expect(calls).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "r0" }]);
    expect(delays).toEqual([30]);
    expect(logged.map((l) => JSON.parse(l)).find((l) => l.msg === "webhook_secret_unreadable")).toMatchObject({
      level: "error",
      endpointId: id,
      deliveryId,
    });
    const row = await deliveryRow(deliveryId);
    expect(row).toMatchObject({ status: "pending", attempts: 0 });
    expect(row!.response_body).toMatch(/^Not sent yet: the endpoint's signing secret cannot be decrypted/);
    expect((await endpointRow(id))!.consecutive_failures).toBe(0);

    // The operator restores A as the previous key: the same delivery goes out and verifies.
    const restored = await deliverUnder(withKeys(KEY_B, KEY_A), deliveryId);
    expect(new Webhook(secret).verify(restored.calls[0]!.body, restored.calls[0]!.headers)).toMatchObject({ type: "role.created" });
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
  });
});
