// Writes the OpenAPI document exactly as the deployed Worker serves it: starts a throwaway
// `wrangler dev` of the production config (scripts/lib/dev-server.mjs with `development: false`:
// temp state, loopback, free port, no development vars, so no /api/dev/* routes), fetches
// /api/openapi.json and writes it, pretty-printed, to the path given (default dist/openapi.json).
// The typed client (client/schema.d.ts) and the lint read this production document.
//   node scripts/export-openapi.mjs [out.json]
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, startDevServer } from "./lib/dev-server.mjs";

const out = path.resolve(ROOT, process.argv[2] ?? "dist/openapi.json");
const server = await startDevServer({ port: 8795, development: false });
try {
  const res = await fetch(`${server.base}/api/openapi.json`, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
  const document = await res.json();
  const development = Object.keys(document.paths).filter((p) => p.startsWith("/api/dev/"));
  if (development.length > 0) throw new Error(`the production document lists development routes: ${development.join(", ")}`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out)} (${Object.keys(document.paths).length} paths)`);
} finally {
  await server.stop();
}
