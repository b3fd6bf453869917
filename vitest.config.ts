import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // The same migrations/ folder that `wrangler d1 migrations apply` reads.
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations },
          // The network edge: webhook deliveries the real WEBHOOKS consumer sends while tests run
          // (to hooks.example.com and friends) are answered here, never by the internet. Tests
          // that look at a delivery's request stub `fetch` itself (test/webhooks/delivery.test.ts).
          outboundService: () => new Response("received by the test network", { status: 200 }),
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
