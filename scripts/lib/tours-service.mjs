// The example sibling Worker (examples/tours-service) under its own `wrangler dev`, bound to the
// Organizations API's `Authorizer` entrypoint through wrangler's local dev registry. Both `wrangler
// dev`s must share the registry: pass the same WRANGLER_REGISTRY_PATH to both (set it in
// process.env before starting either; scripts/lib/dev-server.mjs passes process.env on).
import { startDevServer } from "./dev-server.mjs";

/**
 * Starts the tours service (its own config as written: no D1 to migrate, no development vars) and
 * resolves once GET /health answers 200; `stop()` ends its process group.
 */
export function startToursService({ port = 8796, verbose = false, healthTimeoutMs = 60_000 } = {}) {
  return startDevServer({
    config: "examples/tours-service/wrangler.toml",
    migrate: false,
    development: false,
    readyPath: "/health",
    port,
    verbose,
    healthTimeoutMs,
  });
}
