// `npm run test:client`: runs client/example.ts (the typed openapi-fetch client) against a
// throwaway `wrangler dev` (scripts/lib/dev-server.mjs), and checks that the interactive reference
// and the error catalog are served there (static assets are not served inside the vitest pool).
import { spawnSync } from "node:child_process";
import { ROOT, startDevServer } from "./lib/dev-server.mjs";

const server = await startDevServer({ port: 8796 });
let failed = false;
try {
  const example = spawnSync(process.execPath, ["--experimental-strip-types", "--no-warnings", "client/example.ts", server.base], {
    cwd: ROOT,
    stdio: "inherit",
    timeout: 120_000,
  });
  if (example.status !== 0) {
    console.error(`client/example.ts exited with ${example.status ?? example.signal}`);
    failed = true;
  }

  const docs = await fetch(`${server.base}/docs`);
  const html = await docs.text();
  const script = /<script src="([^"]+)"><\/script>/.exec(html)?.[1];
  const bundle = script ? await fetch(`${server.base}${script}`) : undefined;
  const bundleSize = bundle ? (await bundle.arrayBuffer()).byteLength : 0;
  const errors = await fetch(`${server.base}/docs/errors`);
  const errorsHtml = await errors.text();
  const checks = [
    [docs.status === 200 && html.includes('url: "/api/openapi.json"'), `/docs → ${docs.status}, reads /api/openapi.json`],
    [bundle?.status === 200 && bundleSize > 1_000_000, `${script} → ${bundle?.status} (${bundleSize} bytes)`],
    [errors.status === 200 && errorsHtml.includes('<tr id="validation_failed">'), `/docs/errors → ${errors.status}`],
  ];
  for (const [pass, label] of checks) {
    console.log(`${pass ? "ok  " : "FAIL"} ${label}`);
    if (!pass) failed = true;
  }
} finally {
  await server.stop();
}
process.exit(failed ? 1 : 0);
