import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { DELETED_ORG_ENDPOINT_GRACE_MS } from "../../src/services/events/retention";
import { del } from "../helpers/api";
import { seedOrganization } from "../helpers/factories";
import { superAdmin } from "../helpers/super-admin";
import { createEndpoint, deliveryRow, endpointRow, seedDelivery } from "../helpers/webhooks";

const DAY = 86_400_000;

/** One run of the Cron Trigger, as if it fired at `at`. */
async function upkeepAt(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: "*/15 * * * *" }), env as Env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("webhook upkeep (the Cron Trigger)", () => {
  it("a deleted organization's endpoints are disabled, kept 3 days for its last event, then removed; a live one's stay", async () => {
    const admin = await superAdmin();
    const doomed = await seedOrganization("Doomed Hooks Tours");
    const live = await seedOrganization("Live Hooks Tours");
    const orphaned = await createEndpoint(doomed.token, { url: "https://hooks.example.com/doomed" });
    const kept = await createEndpoint(live.token, { url: "https://hooks.example.com/live" });

    expect((await del(`/api/organizations/${doomed.organization.id}`, { token: admin.token })).status).toBe(204);
    expect(await endpointRow(orphaned.id)).toMatchObject({ enabled: 0, disabled_reason: "organization_deleted" });

    // Inside the grace period (organization.deleted may still be on its way to it): kept.
    await upkeepAt(Date.now() + DELETED_ORG_ENDPOINT_GRACE_MS - DAY);
    expect(await endpointRow(orphaned.id)).not.toBeNull();

    await upkeepAt(Date.now() + DELETED_ORG_ENDPOINT_GRACE_MS + DAY);
    expect(await endpointRow(orphaned.id)).toBeNull();
    // A live organization's endpoint is never the cron's business, however old.
    expect(await endpointRow(kept.id)).toMatchObject({ enabled: 1, disabled_reason: null });
  });

  it("deliveries older than EVENT_RETENTION_DAYS are pruned; newer ones stay", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token);
    const now = Date.now();
    const old = await seedDelivery(owner.organization.id, endpoint.id, { at: now - 91 * DAY });
    const recent = await seedDelivery(owner.organization.id, endpoint.id, { at: now - 89 * DAY });
    await upkeepAt(now);
    expect(await deliveryRow(old)).toBeNull();
    expect(await deliveryRow(recent)).toMatchObject({ id: recent, status: "failed" });
  });
});
