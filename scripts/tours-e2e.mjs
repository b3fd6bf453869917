#!/usr/bin/env node
// End-to-end check of the Authorizer entrypoint (`npm run test:tours`): the Organizations API and the
// example sibling Worker (examples/tours-service) each under a real `wrangler dev` (loopback, fresh
// temporary state, a private dev registry so they find each other and nobody else's sessions). The
// tours service's GET /tours asks the API's `Authorizer.authorize` over the service binding:
// a key whose role grants tours.read → 200; a key whose role does not → 403; the same key revoked →
// 401 at once; no credential → 401; refusals are problem+json. Exits by itself: "N passed, M failed".
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { api as apiCall, startDevServer } from "./lib/dev-server.mjs";
import { startToursService } from "./lib/tours-service.mjs";
import { verifyThroughOutbox } from "./lib/verify-email.mjs";

const startedAt = Date.now();
let passed = 0;
let failed = 0;
const log = (message) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);
function check(condition, message) {
  if (condition) passed++;
  else failed++;
  log(`${condition ? "ok  " : "FAIL"} ${message}`);
  return condition;
}

const registry = mkdtempSync(path.join(os.tmpdir(), "tours-e2e-registry-"));
process.env.WRANGLER_REGISTRY_PATH = registry;
let organizations;
let tours;

async function toursGet(token) {
  const res = await fetch(`${tours.base}/tours`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", body, text };
}

async function main() {
  log("starting the Organizations API (wrangler dev)…");
  organizations = await startDevServer({ port: 8795 });
  log(`  at ${organizations.base}; starting the tours service…`);
  tours = await startToursService({ port: 8796 });
  log(`  at ${tours.base}`);
  const api = (method, pathname, options = {}) => apiCall(organizations.base, method, pathname, { ...options, timeoutMs: 10_000 });

  const email = `tours-owner.${Date.now()}@example.com`;
  const signUp = await api("POST", "/api/auth/sign-up", {
    body: { email, password: "a-strong-password", name: "Tour Owner", organizationName: "Alpine Tours" },
  });
  if (!check(signUp.status === 201, `sign-up → ${signUp.status}`)) return;
  await verifyThroughOutbox(organizations.base, email);
  const owner = signUp.body.session.token;

  const desk = await api("POST", "/api/organizations/roles", { token: owner, body: { name: "Tour desk", permissions: ["tours.read"] } });
  const bookings = await api("POST", "/api/organizations/roles", {
    token: owner,
    body: { name: "Bookings desk", permissions: ["bookings.read"] },
  });
  check(desk.status === 201 && bookings.status === 201, `roles created → ${desk.status}, ${bookings.status}`);
  const reader = await api("POST", "/api/organizations/api-keys", { token: owner, body: { name: "tours reader", role: "Tour desk" } });
  const other = await api("POST", "/api/organizations/api-keys", {
    token: owner,
    body: { name: "bookings reader", role: "Bookings desk" },
  });
  if (!check(reader.status === 201 && other.status === 201, `keys created → ${reader.status}, ${other.status}`)) return;

  // The dev registry may take a moment to list the API's entrypoint: wait for the first answer that is not a binding error.
  let first;
  for (let i = 0; i < 40; i++) {
    first = await toursGet(reader.body.key);
    if (first.status === 200 || first.status === 401 || first.status === 403) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  check(first.status === 200, `GET /tours with a key whose role grants tours.read → ${first.status}`);
  check(
    first.body?.organization?.name === "Alpine Tours" && first.body?.principal?.id === reader.body.id && first.body?.data?.length === 2,
    "  … names the key's organization and the key, and lists the tours",
  );

  const without = await toursGet(other.body.key);
  check(without.status === 403, `GET /tours with a key whose role lacks tours.read → ${without.status}`);
  check(
    without.type.startsWith("application/problem+json") && without.body?.code === "forbidden",
    `  … problem+json, code ${without.body?.code}`,
  );

  const none = await toursGet(null);
  check(
    none.status === 401 && none.body?.code === "unauthenticated",
    `GET /tours without a credential → ${none.status} ${none.body?.code}`,
  );

  const revoke = await api("DELETE", `/api/organizations/api-keys/${reader.body.id}`, { token: owner });
  check(revoke.status === 204, `revoke the reader key → ${revoke.status}`);
  const revoked = await toursGet(reader.body.key);
  check(
    revoked.status === 401 && revoked.type.startsWith("application/problem+json") && revoked.body?.code === "unauthenticated",
    `GET /tours with the revoked key, at once → ${revoked.status} ${revoked.body?.code}`,
  );
}

try {
  await main();
} catch (error) {
  failed++;
  log(`FAIL ${error.stack ?? error}`);
} finally {
  await tours?.stop();
  await organizations?.stop();
  rmSync(registry, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
