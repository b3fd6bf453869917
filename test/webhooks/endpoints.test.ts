import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { del, expectProblem, get, patch, post, offDocument } from "../helpers/api";
import { addMember, createRole, seedOrganization } from "../helpers/factories";
import { onlyEvent, storedEvents } from "../helpers/events";
import { createEndpoint, deliveryRow, endpointRow } from "../helpers/webhooks";

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

describe("webhook endpoints", () => {
  it("POST creates an endpoint subscribed to every type, shows the secret once and stores it encrypted", async () => {
    const owner = await seedOrganization();
    const res = await post(
      "/api/organizations/webhooks",
      { url: "https://hooks.example.com/a", description: "Bookings" },
      { token: owner.token },
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^whe_/),
      url: "https://hooks.example.com/a",
      description: "Bookings",
      eventTypes: ["*"],
      enabled: true,
      disabledReason: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secret: expect.stringMatching(SECRET),
    });
    expect(atob(res.body.secret.slice(6))).toHaveLength(32);
    const { secret, ...view } = res.body;
    expect((await get(`/api/organizations/webhooks/${res.body.id}`, { token: owner.token })).body).toEqual(view);
    expect((await get("/api/organizations/webhooks", { token: owner.token })).body).toEqual({ data: [view], nextCursor: null });
    const row = await endpointRow(res.body.id);
    expect(JSON.stringify(row)).not.toContain(secret.slice(6, 20));
    // Sealed under the key it names (src/lib/secret-box.ts): v2.<keyId>.<iv>.<ciphertext>.
    expect(row!.secret_ciphertext).toMatch(/^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9+/]+=*\.[A-Za-z0-9+/]+=*$/);
    const event = await onlyEvent(owner.organization.id, "webhook_endpoint.created");
    // Events show the URL as its origin only (the API response above keeps it whole).
    expect(event.data.object).toEqual({ ...view, url: "https://hooks.example.com/…" });
  });

  it("accepts exact types and prefixes, and refuses anything outside the catalog", async () => {
    const owner = await seedOrganization();
    const ok = await createEndpoint(owner.token, { eventTypes: ["member.*", "role.updated", "member.*"] });
    expect(ok.eventTypes).toEqual(["member.*", "role.updated"]);
    expectProblem(
      await post("/api/organizations/webhooks", offDocument({ url: "https://h.example.com", eventTypes: ["member.exploded"] }), {
        token: owner.token,
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await post("/api/organizations/webhooks", { url: "https://h.example.com", eventTypes: [] }, { token: owner.token }),
      400,
      "validation_failed",
    );
  });

  it("URL rules: https only (loopback http in development), no userinfo, at most 2,048 characters", async () => {
    const owner = await seedOrganization();
    const refused = [
      "http://hooks.example.com/x",
      "ftp://hooks.example.com",
      "https://user:pw@hooks.example.com/x",
      `https://hooks.example.com/${"a".repeat(2030)}`,
      "not a url",
      "http://10.0.0.1/x",
    ];
    for (const url of refused) {
      const problem = expectProblem(await post("/api/organizations/webhooks", { url }, { token: owner.token }), 400, "validation_failed");
      expect(problem.errors?.[0]?.path).toBe("url");
    }
    expect((await createEndpoint(owner.token, { url: "http://127.0.0.1:8793/hook" })).url).toBe("http://127.0.0.1:8793/hook");
    expect((await createEndpoint(owner.token, { url: "http://localhost/hook" })).url).toBe("http://localhost/hook");
    const production = { ...(env as Env), ENVIRONMENT: "production", WEBHOOK_SECRET_KEY: "a-production-key" } as Env;
    expectProblem(
      await post("/api/organizations/webhooks", { url: "http://127.0.0.1:8793/hook" }, { token: owner.token, env: production }),
      400,
      "validation_failed",
    );
  });

  it("outside development a missing WEBHOOK_SECRET_KEY is a loud error, never a default", async () => {
    const owner = await seedOrganization();
    const production = { ...(env as Env), ENVIRONMENT: "production", WEBHOOK_SECRET_KEY: undefined } as Env;
    expectProblem(
      await post("/api/organizations/webhooks", { url: "https://hooks.example.com/x" }, { token: owner.token, env: production }),
      500,
      "internal_error",
    );
    expect((await get("/api/organizations/webhooks", { token: owner.token })).body.data).toEqual([]);
  });

  it("at most 20 per organization: the 21st is a 409 limit_reached and records nothing", async () => {
    const owner = await seedOrganization();
    await Promise.all(Array.from({ length: 20 }, (_, i) => createEndpoint(owner.token, { url: `https://hooks.example.com/${i}` })));
    expectProblem(
      await post("/api/organizations/webhooks", { url: "https://hooks.example.com/21" }, { token: owner.token }),
      409,
      "limit_reached",
    );
    expect(await storedEvents(owner.organization.id, "webhook_endpoint.created")).toHaveLength(20);
  });

  it("PATCH changes fields and records the old values; re-enabling clears disabledReason", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token);
    await env.DB.prepare("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'failing', consecutive_failures = 25 WHERE id = ?")
      .bind(endpoint.id)
      .run();
    const res = await patch(
      `/api/organizations/webhooks/${endpoint.id}`,
      { enabled: true, eventTypes: ["role.*"] },
      { token: owner.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ enabled: true, disabledReason: null, eventTypes: ["role.*"] });
    expect((await endpointRow(endpoint.id))!.consecutive_failures).toBe(0);
    const event = await onlyEvent(owner.organization.id, "webhook_endpoint.updated");
    expect(event.data).toEqual({
      object: { ...res.body, url: "https://hooks.example.com/…" },
      previous: { enabled: false, disabledReason: "failing", eventTypes: ["*"] },
    });
  });

  it("rotate-secret returns a new secret and records no secret; DELETE removes the endpoint and its deliveries", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token);
    const rotated = await post(`/api/organizations/webhooks/${endpoint.id}/rotate-secret`, undefined, { token: owner.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(SECRET);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect((await endpointRow(endpoint.id))!.previous_secret_ciphertext).toMatch(/^v2\./);
    const events = await storedEvents(owner.organization.id);
    expect(events.map((e) => e.raw).join()).not.toMatch(/whsec_/);

    const test = await post(`/api/organizations/webhooks/${endpoint.id}/test`, undefined, { token: owner.token });
    expect(test.status).toBe(202);
    expect(await deliveryRow(test.body.deliveryId)).not.toBeNull();
    expect((await del(`/api/organizations/webhooks/${endpoint.id}`, { token: owner.token })).status).toBe(204);
    expectProblem(await get(`/api/organizations/webhooks/${endpoint.id}`, { token: owner.token }), 404, "not_found");
    expect(await deliveryRow(test.body.deliveryId)).toBeNull();
    expect((await onlyEvent(owner.organization.id, "webhook_endpoint.deleted")).data.object.id).toBe(endpoint.id);
  });

  it("test records webhook.test in the audit log and one delivery to this endpoint only; a disabled endpoint is a 409", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token);
    const other = await createEndpoint(owner.token);
    const res = await post(`/api/organizations/webhooks/${endpoint.id}/test`, undefined, { token: owner.token });
    expect(res.status).toBe(202);
    const event = await onlyEvent(owner.organization.id, "webhook.test");
    expect(res.body.eventId).toBe(event.id);
    const mine = await get(`/api/organizations/webhooks/${endpoint.id}/deliveries`, { token: owner.token });
    expect(mine.body.data.filter((d) => d.eventType === "webhook.test")).toEqual([
      expect.objectContaining({ id: res.body.deliveryId, eventId: event.id }),
    ]);
    const theirs = await get(`/api/organizations/webhooks/${other.id}/deliveries`, { token: owner.token });
    expect(theirs.body.data.filter((d) => d.eventType === "webhook.test")).toEqual([]);
    await patch(`/api/organizations/webhooks/${endpoint.id}`, { enabled: false }, { token: owner.token });
    expectProblem(
      await post(`/api/organizations/webhooks/${endpoint.id}/test`, undefined, { token: owner.token }),
      409,
      "endpoint_disabled",
    );
  });

  it("another organization's endpoints and deliveries are never listed and are 404", async () => {
    const a = await seedOrganization();
    const b = await seedOrganization();
    const theirs = await createEndpoint(b.token);
    await createEndpoint(a.token);
    const list = await get("/api/organizations/webhooks", { token: a.token });
    expect(list.body.data.map((e) => e.id)).not.toContain(theirs.id);
    expectProblem(await get(`/api/organizations/webhooks/${theirs.id}/deliveries`, { token: a.token }), 404, "not_found");
    expectProblem(await patch(`/api/organizations/webhooks/${theirs.id}`, { enabled: false }, { token: a.token }), 404, "not_found");
  });

  it("no escalation: only a holder of webhooks.* can grant it in a role", async () => {
    const owner = await seedOrganization();
    await createRole(owner.token, "Role Maker", ["roles.create"]);
    const maker = await addMember(owner.organization.id, "role maker");
    const res = await post("/api/organizations/roles", { name: "Hooker", permissions: ["webhooks.create"] }, { token: maker.token });
    expect(expectProblem(res, 403, "forbidden").detail).toContain("webhooks.create");
  });
});
