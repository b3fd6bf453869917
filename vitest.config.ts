import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { ALIASES } from "./scripts/lib/aliases.mjs";
import { DEV_VARS } from "./scripts/lib/dev-vars.mjs";

/**
 * The bundle's module substitutions (scripts/lib/aliases.mjs, which wrangler.toml's `[alias]` must
 * match: `npm run check:bundle`), as exact specifiers the way wrangler matches them, so the tests run
 * the modules the deployed bundle runs: the curated `z`, zod's English-only locales, the stubs.
 */
const aliases = ALIASES.map(({ find, replacement }) => ({
  find: new RegExp(`^${find.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`),
  replacement: path.resolve(replacement),
}));

export default defineConfig(async () => {
  // The same migrations/ folder that `wrangler d1 migrations apply` reads.
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // wrangler.toml's top level is production; the tests run in development mode, from the
          // same vars `npm run dev` lays over it (scripts/lib/dev-vars.mjs). A test that needs
          // production passes `{ ...env, ENVIRONMENT: "production" }`.
          bindings: { ...DEV_VARS, TEST_MIGRATIONS: migrations },
          // The network edge: webhook deliveries the real WEBHOOKS consumer sends while tests run
          // (to hooks.example.com and friends) are answered here, never by the internet. Tests
          // that look at a delivery's request stub `fetch` itself (test/webhooks/delivery.test.ts).
          outboundService: () => new Response("received by the test network", { status: 200 }),
        },
      }),
    ],
    resolve: { alias: aliases },
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
