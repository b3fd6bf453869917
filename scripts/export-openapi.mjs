// Writes the OpenAPI document exactly as the Worker serves it: starts a throwaway `wrangler dev`
// (scripts/lib/dev-server.mjs: temp state, loopback, free port), fetches /api/openapi.json and
// writes it, pretty-printed, to the path given (default dist/openapi.json).
//   node scripts/export-openapi.mjs [out.json]
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, startDevServer } from "./lib/dev-server.mjs";

const out = path.resolve(ROOT, process.argv[2] ?? "dist/openapi.json");
const server = await startDevServer({ port: 8795 });
try {
  const res = await fetch(`${server.base}/api/openapi.json`, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
  const document = await res.json();
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out)} (${Object.keys(document.paths).length} paths)`);
} finally {
  await server.stop();
}
