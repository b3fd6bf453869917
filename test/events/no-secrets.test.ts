import { createExecutionContext, createMessageBatch, env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { EVENT_TYPES } from "../../src/domain/event-types";
import { newId } from "../../src/lib/ids";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { del, patch, post } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";
import { invite, linkToken } from "../helpers/invitations";
import { superAdmin } from "../helpers/super-admin";
import { SECRET_PATTERNS, storedEvents } from "../helpers/events";
import { createEndpoint } from "../helpers/webhooks";

afterEach(() => vi.restoreAllMocks());

describe("no event ever holds a secret", () => {
  it("every type of the catalog, produced by its operation, matches none of the secret patterns", async () => {
    const owner = await signUp();
    const orgId = owner.organization.id;
    const t = { token: owner.token };
    await patch("/api/organizations/me", { name: "Renamed" }, t);
    const member = await addMember(orgId, "member");
    await patch(`/api/organizations/members/${member.member.id}`, { role: "Admin" }, t);
    await del(`/api/organizations/members/${member.member.id}`, t);
    const role = await createRole(owner.token, "Guide", []);
    await patch(`/api/organizations/roles/${role.id}`, { description: "x" }, t);
    await del(`/api/organizations/roles/${role.id}`, t);
    const inv = await invite(owner.token);
    await post(`/api/organizations/invitations/${inv.id}`, undefined, t);
    await del(`/api/organizations/invitations/${inv.id}`, t);
    await post(`/api/invitations/${await linkToken((await invite(owner.token)).id)}/decline`);
    await post(`/api/invitations/${await linkToken((await invite(owner.token)).id)}/accept`, { name: "N", password: "a-strong-password" });
    const key = await createKey(owner.token, "Member");
    await patch(`/api/organizations/api-keys/${key.id}`, { rateLimit: "high" }, t);
    await post(`/api/organizations/api-keys/${key.id}/roll`, { expiresIn: 0 }, t);
    await del(`/api/organizations/api-keys/${key.id}`, t);
    const endpoint = await createEndpoint(owner.token);
    await patch(`/api/organizations/webhooks/${endpoint.id}`, { description: "d" }, t);
    await post(`/api/organizations/webhooks/${endpoint.id}/rotate-secret`, undefined, t);
    await post(`/api/organizations/webhooks/${endpoint.id}/test`, undefined, t);
    await del(`/api/organizations/webhooks/${endpoint.id}`, t);

    // webhook_endpoint.disabled: the consumer's disable rule, on a failing delivery.
    const failing = await createEndpoint(owner.token, { eventTypes: ["organization.*"] });
    await env.DB.prepare("UPDATE webhook_endpoints SET consecutive_failures = 25, failing_since = 1 WHERE id = ?").bind(failing.id).run();
    const deliveryId = newId("dlv");
    const [someEvent] = await storedEvents(orgId, "organization.updated");
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, 'organization.updated', 'pending', 1, ?)",
    )
      .bind(deliveryId, failing.id, orgId, someEvent!.id, Date.now())
      .run();
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("down", { status: 503 }));
    await worker.queue(
      createMessageBatch(WEBHOOKS_QUEUE, [{ id: "d1", timestamp: new Date(), attempts: 1, body: { kind: "delivery", deliveryId } }]),
      env as Env,
      createExecutionContext(),
    );
    vi.restoreAllMocks();

    const staff = await superAdmin();
    await del(`/api/organizations/${orgId}`, { token: staff.token });

    // organization.created: another organization the same user starts.
    const second = await post("/api/organizations", { name: "Second" }, t);
    const events = [...(await storedEvents(orgId)), ...(await storedEvents(second.body.id))];
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    for (const event of events) {
      for (const pattern of SECRET_PATTERNS) expect(event.raw, `${event.type} matches ${pattern}`).not.toMatch(pattern);
    }
  });
});
