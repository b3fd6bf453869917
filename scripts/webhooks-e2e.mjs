#!/usr/bin/env node
// End-to-end check of webhooks (`npm run test:webhooks`): a real `wrangler dev` (scripts/lib/dev-server.mjs,
// fresh temporary state, 127.0.0.1:8793 or the next free port) delivers to a real Node HTTP receiver on
// 127.0.0.1, and every delivery is verified with the `standardwebhooks` library — code nobody here wrote.
// Subscribe, change things, receive and verify; a 500 shows in the delivery log and a manual retry
// re-sends with the same webhook-id; after a rotation both secrets verify; a disabled or deleted
// endpoint gets nothing. Loopback only, every wait bounded, exits by itself: prints "N passed, M failed".
import http from "node:http";
import { Webhook } from "standardwebhooks";
import { api as apiCall, freePort, HOST, startDevServer } from "./lib/dev-server.mjs";
import { verifyThroughOutbox } from "./lib/verify-email.mjs";

const startedAt = Date.now();
let server;
let receiverServer;
let passed = 0;
let failed = 0;

const log = (message) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const api = (method, path, options = {}) => apiCall(server.base, method, path, { ...options, timeoutMs: 10_000 });

function check(condition, message) {
  if (condition) {
    passed++;
    log(`ok   ${message}`);
  } else {
    failed++;
    log(`FAIL ${message}`);
  }
  return condition;
}

/** Polls `probe` until it returns something truthy, or gives up after `limitMs`. */
async function waitFor(what, probe, limitMs = 20_000) {
  const from = Date.now();
  while (Date.now() - from < limitMs) {
    const value = await probe();
    if (value) return value;
    await sleep(250);
  }
  throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
}

// ---- the receiver: records every request; /fail answers 500 until told otherwise --------------------------
const received = []; // { path, headers, body, type, id }
let failPathStatus = 500;

async function startReceiver() {
  const port = await freePort(8893);
  receiverServer = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let parsed = {};
      try {
        parsed = JSON.parse(body);
      } catch {
        // recorded as is
      }
      received.push({
        path: req.url,
        headers: req.headers,
        body,
        type: parsed.type,
        id: req.headers["webhook-id"],
        object: parsed.data?.object,
      });
      const status = req.url === "/fail" ? failPathStatus : 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "thanks" : "receiver is down");
    });
  });
  await new Promise((resolve) => receiverServer.listen(port, HOST, resolve));
  return `http://${HOST}:${port}`;
}

const deliveriesTo = (path, type, predicate = () => true) => received.filter((r) => r.path === path && r.type === type && predicate(r));

function verifies(secret, request) {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch (error) {
    log(`     verify failed: ${error.message}`);
    return false;
  }
}

async function main() {
  server = await startDevServer({
    port: 8793,
    healthTimeoutMs: 45_000,
    onStep: (step, { base }) =>
      log(step === "migrate" ? "applying migrations to a fresh local D1" : `starting wrangler dev on ${new URL(base).host}`),
  });
  const receiver = await startReceiver();
  log(`server is up; receiver on ${receiver}`);

  const ownerEmail = `hooks.${Date.now().toString(36)}@example.com`;
  const signUp = await api("POST", "/api/auth/sign-up", { body: { email: ownerEmail, password: "a-strong-password", name: "Hook Owner" } });
  if (!check(signUp.status === 201, `sign-up → ${signUp.status}`)) return;
  // Webhook endpoints and invitations need a proved address.
  await verifyThroughOutbox(server.base, ownerEmail);
  const token = signUp.body.session.token;

  // 1. Subscribe and receive: every delivery verifies with the secret shown at creation.
  const a = await api("POST", "/api/organizations/webhooks", {
    token,
    body: { url: `${receiver}/ok`, eventTypes: ["role.*", "member.*"] },
  });
  check(a.status === 201 && a.body.secret?.startsWith("whsec_"), `endpoint A created (${a.status})`);
  const guide = await api("POST", "/api/organizations/roles", { token, body: { name: "Guide", permissions: ["users.read"] } });
  check(guide.status === 201, "role Guide created");
  const roleCreated = await waitFor("role.created at A", () => deliveriesTo("/ok", "role.created", (r) => r.object?.name === "Guide")[0]);
  check(verifies(a.body.secret, roleCreated), "role.created verifies with standardwebhooks");
  check(
    roleCreated.headers["webhook-id"]?.startsWith("evt_") && roleCreated.headers["content-type"] === "application/json",
    "headers: webhook-id is the event id, JSON body",
  );

  // A second member, through the real invitation flow (token from the dev outbox), then a role change.
  const email = `guide.${Date.now().toString(36)}@example.com`;
  const invitation = await api("POST", "/api/organizations/invitations", { token, body: { email, role: "Guide" } });
  check(invitation.status === 201, "invitation created");
  const link = await waitFor("the invitation email", async () => {
    const outbox = await api("GET", `/api/dev/outbox?to=${encodeURIComponent(email)}`);
    return outbox.body?.data?.map((m) => /\/invitations\/(ivt_[0-9A-Za-z]+)/.exec(m.text)?.[1]).find(Boolean);
  });
  const accepted = await api("POST", `/api/invitations/${link}/accept`, { body: { name: "Gus Guide", password: "a-strong-password" } });
  check(accepted.status === 200, `invitation accepted (${accepted.status})`);
  const memberId = accepted.body?.member?.id;
  const updated = await api("PATCH", `/api/organizations/members/${memberId}`, { token, body: { role: "Member" } });
  check(updated.status === 200, "member role changed");
  const memberAdded = await waitFor("member.added at A", () => deliveriesTo("/ok", "member.added", (r) => r.object?.id === memberId)[0]);
  const memberUpdated = await waitFor(
    "member.updated at A",
    () => deliveriesTo("/ok", "member.updated", (r) => r.object?.id === memberId)[0],
  );
  check(verifies(a.body.secret, memberAdded) && verifies(a.body.secret, memberUpdated), "member.added and member.updated verify");
  check(deliveriesTo("/ok", "invitation.created").length === 0, "A, subscribed to role.* and member.*, got no invitation.* event");

  // 2. A receiver answering 500: the delivery log shows it; a manual retry re-sends with the same webhook-id.
  const b = await api("POST", "/api/organizations/webhooks", { token, body: { url: `${receiver}/fail`, eventTypes: ["role.created"] } });
  check(b.status === 201, "endpoint B (answers 500) created");
  await api("POST", "/api/organizations/roles", { token, body: { name: "Second", permissions: [] } });
  const failedAttempt = await waitFor(
    "B's first attempt",
    () => deliveriesTo("/fail", "role.created", (r) => r.object?.name === "Second")[0],
  );
  const logged = await waitFor("the 500 in B's delivery log", async () => {
    const page = await api("GET", `/api/organizations/webhooks/${b.body.id}/deliveries`, { token });
    return page.body?.data?.find((d) => d.responseStatus === 500);
  });
  check(
    logged.status === "pending" && logged.attempts === 1 && logged.responseBody === "receiver is down" && logged.nextAttemptAt !== null,
    `delivery log: ${logged.status}, responseStatus 500, attempts ${logged.attempts}, next attempt scheduled`,
  );
  failPathStatus = 200;
  const retry = await api("POST", `/api/organizations/webhooks/${b.body.id}/deliveries/${logged.id}/retry`, { token });
  check(retry.status === 202, `manual retry → ${retry.status}`);
  const resent = await waitFor("the manual retry", () => deliveriesTo("/fail", "role.created", (r) => r.object?.name === "Second")[1]);
  check(resent.headers["webhook-id"] === failedAttempt.headers["webhook-id"], "the retry carries the same webhook-id");
  check(verifies(b.body.secret, resent), "the retry verifies");
  const succeeded = await waitFor("succeeded in the log", async () => {
    const page = await api("GET", `/api/organizations/webhooks/${b.body.id}/deliveries`, { token });
    return page.body?.data?.find((d) => d.id === logged.id && d.status === "succeeded");
  });
  check(succeeded.attempts === 2 && succeeded.responseStatus === 200, "delivery log: succeeded after 2 attempts");

  // 3. Rotation: two signatures, and both the old and the new secret verify.
  const rotated = await api("POST", `/api/organizations/webhooks/${a.body.id}/rotate-secret`, { token });
  check(rotated.status === 200 && rotated.body.secret !== a.body.secret, "A's secret rotated");
  await api("POST", "/api/organizations/roles", { token, body: { name: "Third", permissions: [] } });
  const during = await waitFor(
    "role.created after the rotation",
    () => deliveriesTo("/ok", "role.created", (r) => r.object?.name === "Third")[0],
  );
  check(String(during.headers["webhook-signature"]).split(" ").length === 2, "two signatures in webhook-signature");
  check(verifies(a.body.secret, during) && verifies(rotated.body.secret, during), "both the old and the new secret verify");

  // 4. A disabled endpoint and a deleted one get nothing (C, still enabled, shows the event went out).
  check((await api("PATCH", `/api/organizations/webhooks/${a.body.id}`, { token, body: { enabled: false } })).status === 200, "A disabled");
  check((await api("DELETE", `/api/organizations/webhooks/${b.body.id}`, { token })).status === 204, "B deleted");
  const c = await api("POST", "/api/organizations/webhooks", { token, body: { url: `${receiver}/control`, eventTypes: ["role.*"] } });
  await api("POST", "/api/organizations/roles", { token, body: { name: "Fourth", permissions: [] } });
  const control = await waitFor("role.created at C", () => deliveriesTo("/control", "role.created", (r) => r.object?.name === "Fourth")[0]);
  check(verifies(c.body.secret, control), "C received and verified role.created");
  await sleep(1_000);
  check(
    received.filter((r) => r.object?.name === "Fourth" && r.path !== "/control").length === 0,
    "the disabled and the deleted endpoint got nothing",
  );

  // 5. The test button: webhook.test to C only.
  const test = await api("POST", `/api/organizations/webhooks/${c.body.id}/test`, { token });
  check(test.status === 202, "test → 202");
  const testEvent = await waitFor("webhook.test at C", () => deliveriesTo("/control", "webhook.test")[0]);
  check(verifies(c.body.secret, testEvent) && testEvent.id === test.body.eventId, "webhook.test verifies and carries the event id");
}

const watchdog = setTimeout(() => {
  console.error(`FAIL: over the 150 s budget (${passed} passed, ${failed} failed so far)`);
  Promise.resolve(server?.stop()).finally(() => process.exit(1));
}, 150_000);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => Promise.resolve(server?.stop()).finally(() => process.exit(130)));

try {
  await main();
} catch (error) {
  failed++;
  console.error(`FAIL: ${error.message}`);
  const serverLog = server?.log();
  if (serverLog) console.error(`--- wrangler dev output (last 3000 chars) ---\n${serverLog.slice(-3000)}`);
} finally {
  receiverServer?.close();
  await server?.stop();
  clearTimeout(watchdog);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
