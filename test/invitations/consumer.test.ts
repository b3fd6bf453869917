import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { EMAILS_DEAD_LETTER_QUEUE, EMAILS_QUEUE } from "../../src/queues/consumer";
import { EMAIL_MAX_ATTEMPTS } from "../../src/services/emails/deliver-invitation";
import { mintToken, sha256Hex } from "../../src/lib/tokens";
import { newId } from "../../src/lib/ids";
import { seedOrganization } from "../helpers/factories";

/**
 * The consumer, driven with createMessageBatch/getQueueResult. Only the outermost HTTP edge is
 * faked: Resend's API, by stubbing the global fetch the provider calls.
 */
const resendEnv = { ...(env as Env), EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test_key" } as Env;

/** An invitation row as the org route creates it, and the message the route would queue. */
async function pendingInvitation() {
  const owner = await seedOrganization("Queue Tours");
  const token = mintToken("invitation");
  const id = newId("inv");
  const emailId = newId("eml");
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO invitations (id, organization_id, email, role_key, status, token_hash, inviter_type, inviter_id, inviter_name, expires_at, created_at, email_id, delivery_status)
     VALUES (?, ?, ?, 'member', 'pending', ?, 'user', ?, 'Olive', ?, ?, ?, 'queued')`,
  )
    .bind(
      id,
      owner.organization.id,
      `q.${id.toLowerCase()}@example.com`,
      await sha256Hex(token),
      owner.user.id,
      now + 86_400_000,
      now,
      emailId,
    )
    .run();
  return { id, emailId, token, body: { type: "invitation", emailId, invitationId: id, token } };
}

async function deliver(queue: string, messages: { id: string; attempts: number; body: unknown }[], useEnv: Env = resendEnv) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date() })),
  );
  // getQueueResult reports which messages were retried, not the delay asked for: record it too.
  const delays: (number | undefined)[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays.push(options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, useEnv, ctx);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

const invitationRow = (id: string) =>
  env.DB.prepare("SELECT delivery_status, delivery_error FROM invitations WHERE id = ?").bind(id).first();

afterEach(() => vi.restoreAllMocks());
// These invitations were never put on the real queue (the tests hand their messages to the consumer
// themselves): take them out of what the global drain (test/setup.ts) waits for.
afterAll(() =>
  env.DB.prepare("UPDATE invitations SET delivery_status = 'failed' WHERE delivery_status = 'queued' AND email LIKE 'q.inv_%'").run(),
);

describe("the EMAILS consumer", () => {
  it("sends through Resend with the email id as idempotency key, and acks", async () => {
    const inv = await pendingInvitation();
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ id: "resend-123" }));
    const result = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 1, body: inv.body }]);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(String(url)).toBe("https://api.resend.com/emails");
    const headers = new Headers(init!.headers);
    expect(headers.get("idempotency-key")).toBe(inv.emailId);
    expect(headers.get("authorization")).toBe("Bearer re_test_key");
    const sent = JSON.parse(String(init!.body));
    expect(sent.to).toEqual([expect.stringMatching(/^q\.inv_/)]);
    expect(sent.text).toContain(`/invitations/${inv.token}`);
    expect(sent.html).toContain("Queue Tours");
    expect(await invitationRow(inv.id)).toEqual({ delivery_status: "sent", delivery_error: null });
  });

  it("sends through the Cloudflare send_email binding when EMAIL_PROVIDER=cloudflare", async () => {
    const inv = await pendingInvitation();
    const sent: unknown[] = [];
    // The binding is the outermost edge of this provider: stand in for Cloudflare's mail service.
    const binding = { send: async (message: unknown) => (sent.push(message), { messageId: "cf-msg-1" }) } as unknown as SendEmail;
    const cfEnv = { ...(env as Env), EMAIL_PROVIDER: "cloudflare", SEND_EMAIL: binding } as Env;
    const result = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 1, body: inv.body }], cfEnv);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(sent).toEqual([
      expect.objectContaining({
        from: env.EMAIL_FROM,
        to: expect.stringMatching(/^q\.inv_/),
        subject: "You're invited to join an organization on Tours & Events",
        text: expect.stringContaining(inv.token),
      }),
    ]);
    expect(await invitationRow(inv.id)).toEqual({ delivery_status: "sent", delivery_error: null });
    const delivery = await env.DB.prepare("SELECT provider, provider_message_id FROM email_deliveries WHERE email_id = ?")
      .bind(inv.emailId)
      .first();
    expect(delivery).toEqual({ provider: "cloudflare", provider_message_id: "cf-msg-1" });
  });

  it("the same message delivered twice sends one email", async () => {
    const inv = await pendingInvitation();
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ id: "resend-1" }));
    await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 1, body: inv.body }]);
    const again = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 2, body: inv.body }]);
    expect(again.explicitAcks).toEqual(["m1"]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("…and with the outbox provider, one outbox row", async () => {
    const inv = await pendingInvitation();
    const outboxEnv = { ...(env as Env), EMAIL_PROVIDER: "outbox" } as Env;
    await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 1, body: inv.body }], outboxEnv);
    await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 2, body: inv.body }], outboxEnv);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM email_outbox WHERE id = ?").bind(inv.emailId).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it("a provider failure is retried with a growing delay, then the last attempt marks the invitation failed", async () => {
    const inv = await pendingInvitation();
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("upstream down", { status: 503 }));
    const delays: number[] = [];
    for (let attempts = 1; attempts < EMAIL_MAX_ATTEMPTS; attempts++) {
      const result = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts, body: inv.body }]);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages).toHaveLength(1);
      delays.push(...(result.delays as number[]));
      expect(await invitationRow(inv.id)).toEqual({ delivery_status: "queued", delivery_error: "Resend answered 503" });
    }
    expect(delays).toEqual([30, 60, 120, 240, 480]);

    const last = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: EMAIL_MAX_ATTEMPTS, body: inv.body }]);
    expect(last.retryMessages).toHaveLength(1); // the platform moves it to the dead-letter queue
    expect(await invitationRow(inv.id)).toEqual({ delivery_status: "failed", delivery_error: "Resend answered 503" });
  });

  it("a message reaching the dead-letter queue records the failed delivery", async () => {
    const inv = await pendingInvitation();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const result = await deliver(EMAILS_DEAD_LETTER_QUEUE, [{ id: "d1", attempts: 1, body: inv.body }]);
    expect(result.explicitAcks).toEqual(["d1"]);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(await invitationRow(inv.id)).toMatchObject({ delivery_status: "failed" });
  });

  it("a message for a resent, revoked or accepted invitation is dropped without sending", async () => {
    const inv = await pendingInvitation();
    await env.DB.prepare("UPDATE invitations SET email_id = ? WHERE id = ?").bind(newId("eml"), inv.id).run(); // resent meanwhile
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const result = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 1, body: inv.body }]);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("an invalid message is acked and logged, never retried", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const result = await deliver(EMAILS_QUEUE, [
      { id: "bad1", attempts: 1, body: { type: "invitation", emailId: "nope" } },
      { id: "bad2", attempts: 1, body: "a string" },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["bad1", "bad2"]);
    expect(result.retryMessages).toEqual([]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("a missing RESEND_API_KEY fails the delivery without pointless retries", async () => {
    const inv = await pendingInvitation();
    const noKey = { ...(env as Env), EMAIL_PROVIDER: "resend", RESEND_API_KEY: undefined } as Env;
    const result = await deliver(EMAILS_QUEUE, [{ id: "m1", attempts: 1, body: inv.body }], noKey);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(await invitationRow(inv.id)).toEqual({ delivery_status: "failed", delivery_error: "RESEND_API_KEY is not set" });
  });
});
