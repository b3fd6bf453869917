import { applyD1Migrations, env } from "cloudflare:test";
import { afterAll } from "vitest";
import { drainEmailQueue } from "./helpers/emails";
import { drainWebhookQueue } from "./helpers/webhooks";
import { beforeEach } from "vitest";
import { setLogSink } from "../src/lib/log";

// Runs before each test file, in the Workers runtime: the real migrations on the real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

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
