// The interactive reference in a real browser: /docs under `wrangler dev` renders the served
// OpenAPI document with Scalar, offline — every request the page makes must stay on this server
// (any other host is blocked and fails the check). Screenshot: test/artifacts/docs.png.
// Run: npm run test:browser   (needs /usr/bin/chromium, like the invitation flow)
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";
import { ROOT, startDevServer } from "../../scripts/lib/dev-server.mjs";

const ARTIFACTS = path.join(ROOT, "test", "artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

const server = await startDevServer({ port: 8797 });
let browser;
let failed = false;
const check = (pass, label) => {
  console.log(`${pass ? "ok  " : "FAIL"} ${label}`);
  if (!pass) failed = true;
};
try {
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const foreign = [];
  const origin = new URL(server.base).origin;
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const documentLoaded = page.waitForResponse((r) => r.url() === `${origin}/api/openapi.json` && r.status() === 200, { timeout: 30_000 });
  const response = await page.goto(`${server.base}/docs`);
  check(response?.status() === 200, "/docs opens");
  await documentLoaded;
  check(true, "the page fetched /api/openapi.json");
  await page.getByText("Tours & Events Organizations API").first().waitFor({ timeout: 30_000 });
  check(true, "it shows the API's title");
  await page.getByText("Create an account and its organization").first().waitFor({ timeout: 15_000 });
  check(true, "it lists the operations (Create an account and its organization)");
  await page.screenshot({ path: path.join(ARTIFACTS, "docs.png") });
  check(foreign.length === 0, `no request leaves this server${foreign.length ? `: ${[...new Set(foreign)].slice(0, 5).join(" ")}` : ""}`);
  check(errors.length === 0, `no script error${errors.length ? `: ${errors.slice(0, 3).join(" | ")}` : ""}`);
} catch (error) {
  check(false, String(error.message ?? error).split("\n")[0]);
} finally {
  await browser?.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);
