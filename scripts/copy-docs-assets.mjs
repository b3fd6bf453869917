// Copies Scalar's standalone API reference bundle (4 MB, from the @scalar/api-reference dev
// dependency) into public/vendor/scalar/, where public/docs.html loads it as a static asset. It is
// not committed: `npm run dev`, `deploy`, `deploy:check`, `test` and every script that starts
// `wrangler dev` run this first. Static assets are not part of the Worker bundle.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function copyDocsAssets() {
  const packageDir = path.join(ROOT, "node_modules", "@scalar", "api-reference");
  const target = path.join(ROOT, "public", "vendor", "scalar", "standalone.js");
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(packageDir, "dist", "browser", "standalone.js"), target);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyDocsAssets();
