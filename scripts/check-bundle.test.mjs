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
const alias = ALIASES.find((a) => a.find === "./compile.js");

test("the project's aliases: wrangler.toml (as wrangler parses it) matches scripts/lib/aliases.mjs, and every file they name exists", () => {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, "wrangler.toml") });
  assert.deepEqual(checkAliases({ aliases: ALIASES, wranglerAlias: rawConfig.alias, exists }), []);
});

test("an alias whose replaced package file does not exist fails", () => {
  const moved = { ...alias, replaces: ["node_modules/zod/v4/core/compile-moved.js"] };
  const problems = checkAliases({ aliases: [moved], wranglerAlias: aliasMap([moved]), exists });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /compile-moved\.js, no longer exists/);
});

test("an alias whose importer does not exist fails", () => {
  const moved = { ...alias, importers: ["node_modules/zod/v4/core/index-moved.js"] };
  const problems = checkAliases({ aliases: [moved], wranglerAlias: aliasMap([moved]), exists });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /importer .*index-moved\.js no longer exists/);
});

test("a metafile that still lists the module an alias should have removed fails", () => {
  const metafile = {
    inputs: {
      "node_modules/zod/v4/core/index.js": { imports: [{ path: "node_modules/zod/v4/core/compile.js", original: "./compile.js" }] },
      "node_modules/zod/v4/core/compile.js": { imports: [] },
    },
  };
  const problems = checkAliases({ aliases: [alias], wranglerAlias: aliasMap([alias]), exists, metafile });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /no longer applies: the bundle still contains node_modules\/zod\/v4\/core\/compile\.js/);
});

test("a metafile where the specifier is imported by a module the alias was not written for fails", () => {
  const metafile = {
    inputs: {
      "node_modules/zod/v4/core/index.js": { imports: [{ path: "src/lib/zod-unused.ts", original: "./compile.js" }] },
      "node_modules/some-lib/index.js": { imports: [{ path: "src/lib/zod-unused.ts", original: "./compile.js" }] },
      "src/lib/zod-unused.ts": { imports: [] },
    },
  };
  const problems = checkAliases({ aliases: [alias], wranglerAlias: aliasMap([alias]), exists, metafile });
  assert.deepEqual(problems, [`alias "./compile.js" also catches node_modules/some-lib/index.js's import of "./compile.js", which it was not written for`]);
});

test("wrangler.toml's [alias] differing from the shared module fails, both ways", () => {
  const wranglerAlias = { ...aliasMap(), "./compile.js": "./src/lib/other.ts", "./extra.js": "./src/lib/zod-unused.ts" };
  delete wranglerAlias.zod;
  const problems = checkAliases({ aliases: ALIASES, wranglerAlias, exists });
  assert.equal(problems.length, 3);
  assert.ok(problems.some((p) => /lacks "zod"/.test(p)));
  assert.ok(problems.some((p) => /"\.\/compile\.js" = "\.\/src\/lib\/other\.ts"/.test(p)));
  assert.ok(problems.some((p) => /"\.\/extra\.js" is not declared/.test(p)));
});
