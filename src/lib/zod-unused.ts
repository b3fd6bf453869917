/**
 * Stands in for zod's own JSON Schema output, core/to-json-schema.js (wrangler.toml `[alias]`, by
 * both specifiers zod imports it with, "./to-json-schema.js" and "../core/to-json-schema.js";
 * declared in scripts/lib/aliases.mjs: the deployed bundle, `wrangler dev`, and the tests through
 * vitest.config.ts). zod's schemas build their `toJSONSchema()` and Standard Schema `jsonSchema`
 * methods from it, and its processors (core/json-schema-processors.js, which stays real: schemas read
 * their `minLength`, `format`… through its `aggregateChecks` at run time) reach it too. The OpenAPI
 * document is written by zod-to-openapi, which walks the schemas itself and never calls any of it.
 * ~3.4 KiB gzip. Calling one of these here is a loud error, never a silent wrong answer.
 */
const notBundled = (..._args: unknown[]): never => {
  throw new Error("zod's JSON Schema output is not bundled in this worker (src/lib/zod-unused.ts)");
};

export const initializeContext = notBundled;
export const handleUnrepresentable = notBundled;
export const processSchema = notBundled;
export const process = notBundled;
export const extractDefs = notBundled;
export const finalize = notBundled;
export const createToJSONSchemaMethod = (..._args: unknown[]) => notBundled;
export const createStandardJSONSchemaMethod = (..._args: unknown[]) => notBundled;
