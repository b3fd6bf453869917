import { applyD1Migrations, env } from "cloudflare:test";
import { afterAll } from "vitest";
import { drainEmailQueue } from "./helpers/emails";
import { drainWebhookQueue } from "./helpers/webhooks";
import { beforeEach } from "vitest";
import { setLogSink } from "../src/lib/log";
import { ROUTE_GROUPS } from "../src/routes/groups";
import { createRouter } from "../src/routes/router";

// Runs before each test file, in the Workers runtime: the real migrations on the real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Every module the worker imports on first use (the route groups and their contracts, the
// validators' package, the document's module, the queue consumer, the upkeep, the Authorizer),
// loaded here once per file. Under vitest a dynamic import() is fetched by the module runner over a
// WebSocket — I/O owned by the request that started it — so a queue batch awaiting a module a test
// request is still loading waits on another request's I/O and is cancelled as hung
// (workers-sdk#13056). The deployed bundle has no such fetch: there an import() is a deferred
// evaluation. What each request builds (its app, from these modules) is unchanged.
const registers = await Promise.all(ROUTE_GROUPS.map((group) => group.load()));
const everyGroup = createRouter();
for (const register of registers) register(everyGroup, { development: true });
await Promise.all([
  ...everyGroup.documented.map((route) => route.contract()),
  import("@hono/zod-openapi"),
  import("../src/routes/docs/document"),
  import("../src/queues/consumer"),
  import("../src/scheduled/upkeep"),
  import("../src/services/platform/authorizer"),
]);

// Sign-up queues a verification email, so every file queues emails: let the real consumer finish
// them before the file's runtime is torn down.
afterAll(() => drainEmailQueue(), 60_000);
// Every change queues its events for webhook fan-out: likewise for the WEBHOOKS consumer.
afterAll(() => drainWebhookQueue(), 60_000);
// The worker's log lines are kept per test and printed only if it fails: a passing run is quiet.
beforeEach(({ onTestFailed }) => {
  const lines: string[] = [];
  setLogSink((_level, line) => void lines.push(line));
  onTestFailed(() => {
    for (const line of lines) console.error(line);
  });
});
