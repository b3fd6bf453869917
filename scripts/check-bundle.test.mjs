// node --test scripts/check-bundle.test.mjs — the alias checks of `npm run check:bundle`
// (scripts/lib/check-aliases.mjs): a declared alias whose target moved, or that stopped applying,
// or that catches an importer it was not written for, fails; the project's own config passes.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { experimental_readRawConfig } from "wrangler";
import { ALIASES, aliasMap } from "./lib/aliases.mjs";
import { checkAliases } from "./lib/check-aliases.mjs";
import { ROOT } from "./lib/dev-server.mjs";

const exists = (file) => existsSync(path.join(ROOT, file));
const alias = ALIASES.find((a) => a.find === "../core/to-json-schema.js");

test("the project's aliases: wrangler.toml (as wrangler parses it) matches scripts/lib/aliases.mjs, and every file they name exists", () => {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, "wrangler.toml") });
  assert.deepEqual(checkAliases({ aliases: ALIASES, wranglerAlias: rawConfig.alias, exists }), []);
});

test("an alias whose replaced package file does not exist fails", () => {
  const moved = { ...alias, replaces: ["node_modules/zod/v4/core/to-json-schema-moved.js"] };
  const problems = checkAliases({ aliases: [moved], wranglerAlias: aliasMap([moved]), exists });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /to-json-schema-moved\.js, no longer exists/);
});

test("an alias whose importer does not exist fails", () => {
  const moved = { ...alias, importers: ["node_modules/zod/v4/classic/schemas-moved.js"] };
  const problems = checkAliases({ aliases: [moved], wranglerAlias: aliasMap([moved]), exists });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /importer .*schemas-moved\.js no longer exists/);
});

test("a metafile whose output still holds the module an alias should have removed fails", () => {
  const inputs = {
    // The alias applies, yet the module is still bundled (another specifier reaches it).
    "node_modules/zod/v4/classic/schemas.js": { imports: [{ path: "src/lib/zod-unused.ts", original: "../core/to-json-schema.js" }] },
    "node_modules/zod/v4/core/to-json-schema.js": { imports: [] },
  };
  const output = (bytesInOutput) => ({ "index.js": { inputs: { "node_modules/zod/v4/core/to-json-schema.js": { bytesInOutput } } } });
  const problems = checkAliases({
    aliases: [alias],
    wranglerAlias: aliasMap([alias]),
    exists,
    metafile: { inputs, outputs: output(2_731) },
  });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /no longer applies: the bundle still contains node_modules\/zod\/v4\/core\/to-json-schema\.js/);
  // Parsed but tree-shaken to nothing: not in the bundle.
  assert.deepEqual(
    checkAliases({ aliases: [alias], wranglerAlias: aliasMap([alias]), exists, metafile: { inputs, outputs: output(0) } }),
    [],
  );
});

test("a metafile where the specifier is imported by a module the alias was not written for fails", () => {
  const metafile = {
    inputs: {
      "node_modules/zod/v4/classic/schemas.js": { imports: [{ path: "src/lib/zod-unused.ts", original: "../core/to-json-schema.js" }] },
      "node_modules/some-lib/dist/index.js": { imports: [{ path: "src/lib/zod-unused.ts", original: "../core/to-json-schema.js" }] },
      "src/lib/zod-unused.ts": { imports: [] },
    },
    outputs: {},
  };
  const problems = checkAliases({ aliases: [alias], wranglerAlias: aliasMap([alias]), exists, metafile });
  assert.deepEqual(problems, [
    `alias "../core/to-json-schema.js" also catches node_modules/some-lib/dist/index.js's import of "../core/to-json-schema.js", which it was not written for`,
  ]);
});

test("a metafile where an importer gets the package's module, or no longer imports the specifier, fails", () => {
  const zod = ALIASES.find((a) => a.find === "zod");
  const importing = (path) => ({
    inputs: { "node_modules/@hono/zod-openapi/dist/index.mjs": { imports: path ? [{ path, original: "zod" }] : [] } },
    outputs: {},
  });
  const check = (metafile) => checkAliases({ aliases: [zod], wranglerAlias: aliasMap([zod]), exists, metafile });
  assert.deepEqual(check(importing("src/lib/zod-namespace.ts")), []);
  assert.deepEqual(check(importing("node_modules/zod/index.js")), [
    `alias "zod" no longer applies: node_modules/@hono/zod-openapi/dist/index.mjs imports it as node_modules/zod/index.js`,
  ]);
  assert.match(check(importing(undefined))[0], /no longer imports "zod"/);
});

test("wrangler.toml's [alias] differing from the shared module fails, both ways", () => {
  const wranglerAlias = { ...aliasMap(), "../core/to-json-schema.js": "./src/lib/other.ts", "./extra.js": "./src/lib/zod-unused.ts" };
  delete wranglerAlias.zod;
  const problems = checkAliases({ aliases: ALIASES, wranglerAlias, exists });
  assert.equal(problems.length, 3);
  assert.ok(problems.some((p) => /lacks "zod"/.test(p)));
  assert.ok(problems.some((p) => /"\.\.\/core\/to-json-schema\.js" = "\.\/src\/lib\/other\.ts"/.test(p)));
  assert.ok(problems.some((p) => /"\.\/extra\.js" is not declared/.test(p)));
});
