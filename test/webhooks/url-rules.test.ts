import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { classifyHost } from "../../src/lib/public-host";
import { newId } from "../../src/lib/ids";
import { WEBHOOKS_QUEUE } from "../../src/queues/webhooks";
import { webhookUrlProblem } from "../../src/services/webhooks/url-rules";
import { expectProblem, get, patch, post } from "../helpers/api";
import { seedOrganization } from "../helpers/factories";
import { storedEvents } from "../helpers/events";
import { createEndpoint, deliveryRow, seedEndpoint, seedEvent } from "../helpers/webhooks";

afterEach(() => vi.restoreAllMocks());

/** The worker's env as deployed: ENVIRONMENT=production, a real key. */
const production = () => ({ ...(env as Env), ENVIRONMENT: "production", WEBHOOK_SECRET_KEY: "a-production-key-for-url-rule-tests" }) as Env;
const development = () => ({ ...(env as Env), ENVIRONMENT: "development" }) as Env;

/**
 * Every spelling of this side of the internet. The first block is the security review's list
 * (issue 16, item 3): all 14 were accepted before the rule existed.
 */
const INTERNAL = [
  "https://127.0.0.1/",
  "https://10.0.0.8/",
  "https://169.254.169.254/latest/meta-data",
  "https://[::1]/",
  "https://[::ffff:127.0.0.1]/",
  "https://2130706433/",
  "https://0x7f000001/",
  "https://localhost/",
  "https://api.localhost/",
  "https://100.64.0.1/",
  "https://[fd00::1]/",
  "https://0.0.0.0/",
  "https://172.16.5.4/",
  "https://192.168.1.1/",
  // More IPv4 spellings the URL parser normalises: octal, short forms, hex parts, trailing dot, percent-encoding.
  "https://0177.0.0.1/",
  "https://127.1/",
  "https://0x7f.1/",
  "https://127.0.0.1./",
  "https://%31%32%37.0.0.1/",
  "https://0/",
  "https://017700000001/",
  "https://10.1/",
  "https://127.0.0.1:8443/x",
  // IPv4 ranges a careful reviewer adds.
  "https://192.0.0.170/",
  "https://192.0.2.10/",
  "https://198.18.0.1/",
  "https://198.51.100.7/",
  "https://203.0.113.9/",
  "https://224.0.0.251/",
  "https://239.255.255.250/",
  "https://240.0.0.1/",
  "https://255.255.255.255/",
  "https://100.127.255.254/",
  "https://169.254.0.1/",
  // IPv6: unspecified, loopback written out, unique-local, link-local, site-local, multicast.
  "https://[::]/",
  "https://[0:0:0:0:0:0:0:1]/",
  "https://[fc00::1]/",
  "https://[fdff:ffff::1]/",
  "https://[fe80::1]/",
  "https://[febf::1]/",
  "https://[fec0::1]/",
  "https://[ff02::1]/",
  "https://[100::1]/",
  "https://[2001:db8::1]/",
  // IPv6 forms that carry an internal IPv4 address: mapped (both spellings), compatible, NAT64, 6to4.
  "https://[::ffff:7f00:1]/",
  "https://[::ffff:10.0.0.1]/",
  "https://[0:0:0:0:0:ffff:a9fe:a9fe]/",
  "https://[::127.0.0.1]/",
  "https://[::ffff:0:10.0.0.1]/",
  "https://[64:ff9b::10.0.0.1]/",
  "https://[64:ff9b::7f00:1]/",
  "https://[64:ff9b:1::1]/",
  "https://[2002:7f00:1::]/",
  "https://[2001:0:4136:e378::1]/",
  // Names that resolve only inside a network, any case, with or without the trailing dot, IDNA.
  "https://LOCALHOST/",
  "https://localhost./",
  "https://ｌｏｃａｌｈｏｓｔ/",
  "https://a.b.localhost/",
  "https://printer.local/",
  "https://printer.local./",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://nas.home.arpa/",
  "https://NAS.Home.Arpa./",
  "https://router.lan/",
  "https://wiki.corp/",
  "https://intranet/",
  "https://router./",
];

const PUBLIC = [
  "https://hooks.example.com/x",
  "https://hooks.example.com./x",
  "https://8.8.8.8/",
  "https://1.1.1.1/hook?token=abc",
  "https://[2606:4700::1111]/",
  "https://[2001:4860:4860::8888]/",
  "https://[::ffff:8.8.8.8]/",
  "https://[64:ff9b::808:808]/",
  "https://100.128.0.1/",
  "https://172.32.0.1/",
  "https://169.255.0.1/",
  "https://192.169.0.1/",
  "https://xn--bcher-kva.example/",
  "https://bücher.example/",
  "https://localhost.example.com/",
  "https://local.example.com/",
  "https://hooks.example.com:8443/x",
];

describe("webhook URL rules outside development (pure, as the runtime's URL parser normalises)", () => {
  it.each(INTERNAL)("%s is webhook_url_forbidden", (url) => {
    const problem = webhookUrlProblem(production(), url);
    expect(problem?.code).toBe("webhook_url_forbidden");
    expect(problem?.message).toMatch(/webhooks go only to public internet hosts/);
  });

  it.each(PUBLIC)("%s is allowed", (url) => {
    expect(webhookUrlProblem(production(), url)).toBeNull();
  });

  it("the reason names what the normalised host is", () => {
    expect(webhookUrlProblem(production(), "https://2130706433/")?.message).toBe(
      "The host 127.0.0.1 is an IPv4 loopback address: webhooks go only to public internet hosts.",
    );
    expect(webhookUrlProblem(production(), "https://[::ffff:127.0.0.1]/")?.message).toContain(
      "[::ffff:7f00:1] is an IPv4-mapped IPv6 form of an IPv4 loopback address",
    );
    expect(webhookUrlProblem(production(), "https://169.254.169.254/latest/meta-data")?.message).toContain("link-local (cloud metadata)");
    expect(classifyHost("api.localhost")).toEqual({
      internal: true,
      reason: "a name under .localhost, which resolves only inside a network",
    });
    expect(classifyHost("hooks.example.com")).toEqual({ internal: false });
  });

  it("the other rules stay: https only, no userinfo, at most 2,048 characters (validation_failed)", () => {
    for (const url of [
      "http://hooks.example.com/x",
      "http://127.0.0.1:8793/hook",
      "ftp://hooks.example.com/",
      "https://user:pw@hooks.example.com/",
      `https://hooks.example.com/${"a".repeat(2030)}`,
      "not a url",
    ]) {
      expect(webhookUrlProblem(production(), url)?.code).toBe("validation_failed");
    }
  });

  it("under ENVIRONMENT=development internal https hosts and http to localhost / 127.0.0.1 are allowed (local receivers)", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://10.0.0.8/",
      "https://printer.local/",
      "http://127.0.0.1:8793/hook",
      "http://localhost/hook",
      "http://2130706433:8793/",
    ]) {
      expect(webhookUrlProblem(development(), url)).toBeNull();
    }
    expect(webhookUrlProblem(development(), "http://10.0.0.8/")?.code).toBe("validation_failed");
  });
});

describe("webhook URL rules through the API, ENVIRONMENT=production", () => {
  it("POST refuses every spelling of an internal host with 400 webhook_url_forbidden and creates nothing", async () => {
    const owner = await seedOrganization();
    for (const url of INTERNAL.slice(0, 14)) {
      const problem = expectProblem(
        await post("/api/organizations/webhooks", { url }, { token: owner.token, env: production() }),
        400,
        "webhook_url_forbidden",
      );
      expect(problem.errors).toEqual([{ path: "url", message: expect.stringContaining("webhooks go only to public internet hosts") }]);
    }
    expect((await get("/api/organizations/webhooks", { token: owner.token })).body.data).toEqual([]);
    expect(await storedEvents(owner.organization.id, "webhook_endpoint.created")).toEqual([]);
    // A public host is fine in production. (Subscribed narrowly: the test runtime's own consumer, which
    // holds the development key, has nothing to deliver to it.)
    const ok = await post(
      "/api/organizations/webhooks",
      { url: "https://8.8.8.8/hook", eventTypes: ["organization.deleted"] },
      { token: owner.token, env: production() },
    );
    expect(ok.status).toBe(201);
    expect(ok.body.url).toBe("https://8.8.8.8/hook");
  });

  it("PATCH of url refuses an internal host and leaves the endpoint as it was", async () => {
    const owner = await seedOrganization();
    const endpoint = await createEndpoint(owner.token, { url: "https://hooks.example.com/kept" });
    for (const url of ["https://[::ffff:127.0.0.1]/", "https://0x7f000001/", "https://metadata.google.internal/"]) {
      expectProblem(
        await patch(`/api/organizations/webhooks/${endpoint.id}`, { url }, { token: owner.token, env: production() }),
        400,
        "webhook_url_forbidden",
      );
    }
    expect((await get(`/api/organizations/webhooks/${endpoint.id}`, { token: owner.token })).body.url).toBe(
      "https://hooks.example.com/kept",
    );
    expect(await storedEvents(owner.organization.id, "webhook_endpoint.updated")).toEqual([]);
    const moved = await patch(
      `/api/organizations/webhooks/${endpoint.id}`,
      { url: "https://hooks.example.org/moved" },
      { token: owner.token, env: production() },
    );
    expect(moved.status).toBe(200);
    expect((await get(`/api/organizations/webhooks/${endpoint.id}`, { token: owner.token })).body.url).toBe(
      "https://hooks.example.org/moved",
    );
  });

  it("a stored URL that breaks the rule (made before it) is not sent to: the delivery fails, saying why", async () => {
    const owner = await seedOrganization();
    const endpoint = await seedEndpoint(owner.organization.id, { url: "https://169.254.169.254/latest/meta-data" });
    const eventId = await seedEvent(owner.organization.id, "role.created");
    const deliveryId = newId("dlv");
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, 'role.created', 'pending', 0, ?)",
    )
      .bind(deliveryId, endpoint.id, owner.organization.id, eventId, Date.now())
      .run();
    const spy = vi.spyOn(globalThis, "fetch");
    const batch = createMessageBatch(WEBHOOKS_QUEUE, [
      { id: "m0", timestamp: new Date(), attempts: 1, body: { kind: "delivery", deliveryId } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, production(), ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m0"]);
    expect(spy).not.toHaveBeenCalled();
    const row = await deliveryRow(deliveryId);
    expect(row).toMatchObject({ status: "failed", attempts: 0, next_attempt_at: null, response_status: null });
    expect(row!.response_body).toMatch(/^Not sent: the URL names an internal address\. The host 169\.254\.169\.254 is an IPv4 link-local/);
  });
});
