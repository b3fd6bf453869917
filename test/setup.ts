import { applyD1Migrations, env } from "cloudflare:test";

// Runs before each test file, in the Workers runtime: the real migrations on the real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
