#!/usr/bin/env node
// `npm run example:tours`: the Organizations API (development mode, the project's local state, like
// `npm run dev`) and the example sibling Worker examples/tours-service, each under its own `wrangler
// dev`, bound through a private dev registry. Prints both addresses and a walk-through; Ctrl-C stops both.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDevServer } from "./lib/dev-server.mjs";
import { startToursService } from "./lib/tours-service.mjs";

const registry = mkdtempSync(path.join(os.tmpdir(), "tours-example-registry-"));
process.env.WRANGLER_REGISTRY_PATH = registry;
const organizations = await startDevServer({ port: 8787, persistTo: null });
const tours = await startToursService({ port: 8797 });

console.log(`Organizations API: ${organizations.base}   (docs: ${organizations.base}/docs)
Tours service:     ${tours.base}   (GET /tours needs tours.read, asked of the API's Authorizer entrypoint)

Try it: sign up at ${organizations.base}/api/auth/sign-up, verify the address (GET /api/dev/outbox),
create a role granting ["tours.read"] and an API key with it, then
  curl -H "Authorization: Bearer <key>" ${tours.base}/tours
Revoke the key (DELETE /api/organizations/api-keys/{id}) and the same request is a 401 at once.
Ctrl-C stops both.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await tours.stop();
  await organizations.stop();
  rmSync(registry, { recursive: true, force: true });
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, stop);
await new Promise(() => {}); // until a signal
