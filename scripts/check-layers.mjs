#!/usr/bin/env node
// Imports point down the layers, never up (docs/architecture.md, "Layers"). madge (check:cycles)
// finds circles; this finds an import that runs back up a layer even where it closes no circle.
// Type-only imports count too: a type is vocabulary, and vocabulary lives low (domain/).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Lower may be imported by higher. Files of one layer may import each other. */
const LAYERS = [
  ["lib", "env.ts"],
  ["domain"],
  ["db"],
  ["cache"],
  ["services", "context.ts"],
  ["middleware", "queues", "scheduled"],
  ["routes"],
  ["app.ts", "index.ts"],
];

const SRC = path.resolve(process.argv[2] ?? "src");
const layerOf = (file) => {
  const top = path.relative(SRC, file).split(path.sep)[0];
  const i = LAYERS.findIndex((names) => names.includes(top));
  if (i < 0) throw new Error(`check-layers: ${path.relative(SRC, file)} is in no layer; add its folder to LAYERS`);
  return i;
};

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (/\.(ts|tsx)$/.test(name)) yield full;
  }
}

const resolve = (from, spec) => {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
};

const violations = [];
for (const file of files(SRC)) {
  const text = readFileSync(file, "utf8");
  for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const target = resolve(file, spec);
    if (!target) continue;
    const [own, theirs] = [layerOf(file), layerOf(target)];
    if (theirs > own)
      violations.push(
        `${path.relative(SRC, file)} (${LAYERS[own].join("/")}) imports ${path.relative(SRC, target)} (${LAYERS[theirs].join("/")})`,
      );
  }
}
if (violations.length > 0) {
  console.error(`check-layers: ${violations.length} import(s) run back up a layer:\n  ${violations.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `check-layers: every import in ${path.relative(process.cwd(), SRC) || "."} points down (bottom first: ${LAYERS.map((l) => l.join("/")).join(" → ")})`,
);
