// `npm run test:client:hey-api`: runs client/hey-api-journey.ts (the SDK @hey-api/openapi-ts
// generates from the production document) against a throwaway `wrangler dev`
// (scripts/lib/dev-server.mjs, development mode for the outbox). Generate and typecheck first:
// `npm run client:generate:hey-api && npx tsc --noEmit -p client/tsconfig.hey-api.json`.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT, startDevServer } from "./lib/dev-server.mjs";

if (!existsSync(path.join(ROOT, "client", "hey-api", "index.ts"))) {
  console.error("client/hey-api/ is not generated: run npm run client:generate:hey-api");
  process.exit(2);
}
const server = await startDevServer({ port: 8797 });
let status = 1;
try {
  const journey = spawnSync(process.execPath, ["--experimental-strip-types", "--no-warnings", "client/hey-api-journey.ts", server.base], {
    cwd: ROOT,
    stdio: "inherit",
    timeout: 120_000,
  });
  status = journey.status ?? 1;
  if (status !== 0) console.error(`client/hey-api-journey.ts exited with ${journey.status ?? journey.signal}`);
} finally {
  await server.stop();
}
process.exit(status);
