// The module substitutions of the worker bundle, in one place. wrangler reads them from wrangler.toml's
// `[alias]` (a specifier → a file of ours); `npm run check:bundle` fails when that section differs from
// ALIASES, and vitest.config.ts takes its aliases from here, so the tests run the modules the deployed
// bundle runs.
//
// wrangler matches an alias by the exact specifier, whichever module imports it. So each entry also
// names the package files it is meant for, and check:bundle (scripts/lib/check-aliases.mjs) fails when
// - a file in `replaces` or `importers` no longer exists in node_modules (the package's layout moved:
//   the alias may have stopped applying, or apply to something else);
// - the production metafile still holds a `replaces` file (the alias stopped working: the bundle grew);
// - a module outside `importers` imports the specifier (the alias would swap something it was not
//   written for: a stub called at run time).
// Versions of the packages concerned are pinned exactly in package.json; an upgrade is checked here.
// What each entry saves, measured: docs/performance.md "Bundle and startup" (bench/alias-cost.mjs).

const ZOD = "node_modules/zod/v4";

// Measured and dropped (nothing saved once "zod" is aliased: the curated z leaves zod's namespace,
// and with it the locales index, compile(), fromJSONSchema() and the JSONSchemaGenerator, out of
// the bundle): "../locales/index.js", "./compile.js", "./from-json-schema.js", "./json-schema-generator.js".

/** @typedef {{ find: string, replacement: string, replaces: string[], importers: string[], why: string }} Alias */

/** @type {Alias[]} */
export const ALIASES = [
  {
    find: "zod",
    replacement: "./src/lib/zod-namespace.ts",
    replaces: ["node_modules/zod/index.js"],
    importers: ["node_modules/@hono/zod-openapi/dist/index.mjs"],
    why: "@hono/zod-openapi's `import { z } from \"zod\"` gets the app's curated z (src/lib/zod.ts), not zod's whole namespace",
  },
  {
    find: "./to-json-schema.js",
    replacement: "./src/lib/zod-unused.ts",
    replaces: [`${ZOD}/core/to-json-schema.js`],
    importers: [`${ZOD}/core/index.js`, `${ZOD}/core/json-schema-generator.js`, `${ZOD}/core/json-schema-processors.js`],
    why: "zod's own JSON Schema output, as zod's core imports it (with the next entry, one substitution: only both remove the module)",
  },
  {
    find: "../core/to-json-schema.js",
    replacement: "./src/lib/zod-unused.ts",
    replaces: [`${ZOD}/core/to-json-schema.js`],
    importers: [`${ZOD}/classic/schemas.js`],
    why: "zod's classic schemas build their toJSONSchema() methods from zod's own JSON Schema output; the document is written by zod-to-openapi, which never calls them",
  },
  {
    find: "../pg-core/columns/enum.js",
    replacement: "./src/lib/drizzle-unused.ts",
    replaces: ["node_modules/drizzle-orm/pg-core/columns/enum.js"],
    importers: ["node_modules/drizzle-orm/sql/sql.js"],
    why: "drizzle's sql.js asks whether a chunk is a Postgres enum: never, on D1",
  },
];

/** The `[alias]` map as wrangler.toml must hold it. */
export function aliasMap(aliases = ALIASES) {
  return Object.fromEntries(aliases.map(({ find, replacement }) => [find, replacement]));
}
