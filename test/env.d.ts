import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/env";

// `env` from cloudflare:test is the worker's own Env plus the test-only bindings.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** wrangler.toml [assets]: the static files served in front of the Worker (/docs). */
      ASSETS: Fetcher;
    }
  }
}
