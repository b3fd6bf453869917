import { applyD1Migrations, env } from "cloudflare:test";
import { beforeEach } from "vitest";
import { setLogSink } from "../src/lib/log";

// Runs before each test file, in the Workers runtime: the real migrations on the real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// The worker's log lines are kept per test and printed only if it fails: a passing run is quiet.
beforeEach(({ onTestFailed }) => {
  const lines: string[] = [];
  setLogSink((_level, line) => void lines.push(line));
  onTestFailed(() => {
    for (const line of lines) console.error(line);
  });
});
