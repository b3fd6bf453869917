import { applyD1Migrations, env } from "cloudflare:test";
import { afterAll } from "vitest";
import { drainEmailQueue } from "./helpers/emails";

// Runs before each test file, in the Workers runtime: the real migrations on the real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Sign-up queues a verification email, so every file queues emails: let the real consumer finish
// them before the file's runtime is torn down.
afterAll(() => drainEmailQueue(), 60_000);
