import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { countingEnv, patch } from "../helpers/api";
import { createRole, seedOrganization } from "../helpers/factories";
import { seedEndpoint, seedEvent } from "../helpers/webhooks";

/** Fan-out runs in the consumer: one delivery row per (event, endpoint), never on a request. */
async function fanOut(eventId: string) {
  const batch = createMessageBatch(WEBHOOKS_QUEUE, [{ id: "f1", timestamp: new Date(), attempts: 1, body: { kind: "event", eventId } }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env as Env, ctx);
  return getQueueResult(batch, ctx);
}

const deliveriesOf = async (eventId: string) =>
  (
    await env.DB.prepare("SELECT endpoint_id FROM webhook_deliveries WHERE event_id = ? ORDER BY endpoint_id")
      .bind(eventId)
      .all<{ endpoint_id: string }>()
  ).results.map((r) => r.endpoint_id);

describe("fan-out", () => {
  it("creates one delivery per matching enabled endpoint, and none again when the message comes twice", async () => {
    const owner = await seedOrganization();
    const all = await seedEndpoint(owner.organization.id);
    const roles = await seedEndpoint(owner.organization.id, { eventTypes: ["role.*"] });
    const exact = await seedEndpoint(owner.organization.id, { eventTypes: ["role.created"] });
    await seedEndpoint(owner.organization.id, { eventTypes: ["member.*"] });
    await seedEndpoint(owner.organization.id, { enabled: false });
    const other = await seedOrganization();
    await seedEndpoint(other.organization.id);
    const eventId = await seedEvent(owner.organization.id, "role.created");
    expect((await fanOut(eventId)).explicitAcks).toEqual(["f1"]);
    expect(await deliveriesOf(eventId)).toEqual([all.id, roles.id, exact.id].sort());
    await fanOut(eventId);
    expect(await deliveriesOf(eventId)).toHaveLength(3);
  });

  it("an event that is not there (its batch failed) is acked and dropped", async () => {
    const result = await fanOut("evt_01M8J0000000000000000000AA");
    expect(result.explicitAcks).toEqual(["f1"]);
  });

  it("organization.deleted still reaches the endpoints its deletion disabled", async () => {
    const owner = await seedOrganization();
    const endpoint = await seedEndpoint(owner.organization.id);
    await env.DB.prepare("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'organization_deleted' WHERE id = ?")
      .bind(endpoint.id)
      .run();
    const eventId = await seedEvent(owner.organization.id, "organization.deleted");
    await fanOut(eventId);
    expect(await deliveriesOf(eventId)).toEqual([endpoint.id]);
  });

  it("a role update costs the same D1 and KV calls with 20 endpoints subscribed as with none, and is still one batch", async () => {
    const costOf = async (endpoints: number) => {
      const owner = await seedOrganization();
      for (let i = 0; i < endpoints; i++) await seedEndpoint(owner.organization.id);
      const role = await createRole(owner.token, "Guide", []);
      await patch(`/api/organizations/roles/${role.id}`, { description: "warm" }, { token: owner.token });
      const { env: counted, counts } = countingEnv();
      const res = await patch(`/api/organizations/roles/${role.id}`, { description: "Leads tours." }, { token: owner.token, env: counted });
      expect(res.status).toBe(200);
      return counts;
    };
    const none = await costOf(0);
    const twenty = await costOf(20);
    expect(twenty).toEqual(none);
  });
});
