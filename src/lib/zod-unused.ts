/**
 * Stands in for zod modules the worker never uses (wrangler.toml `[alias]`: the deployed bundle,
 * `wrangler dev`, and the tests through vitest.config.ts). zod's namespaces re-export them and its
 * schema classes reference them, so esbuild cannot drop them:
 *
 * - `compile()`, zod's JIT validator (core/compile.js);
 * - `fromJSONSchema()` (classic/from-json-schema.js);
 * - zod's own JSON Schema output: `z.toJSONSchema()`, `schema.toJSONSchema()`, the Standard
 *   Schema `jsonSchema` methods (core/to-json-schema.js, core/json-schema-generator.js). The
 *   OpenAPI document is written by zod-to-openapi, which walks the schemas itself and never calls
 *   these. (core/json-schema-processors.js stays real: schemas read their `minLength`, `format`…
 *   through its `aggregateChecks` at run time, and zod-to-openapi reads those.)
 *
 * Together ~15 KiB gzip. Only zod imports these specifiers (checked across node_modules when each
 * alias was added). Calling any of them here is a loud error, never a silent wrong answer. The
 * tests (vitest.config.ts mirrors the aliases) and `wrangler dev` run these stubs too.
 */
const notBundled =
  (name: string) =>
  (..._args: unknown[]): never => {
    throw new Error(`zod ${name} is not bundled in this worker (src/lib/zod-unused.ts)`);
  };

// core/compile.js, classic/from-json-schema.js
export const INVALID = Symbol.for("zod.compile.invalid");
export class ZodCompileAsyncError extends Error {}
export class ZodCompileUnsupportedError extends Error {}
export const compile = notBundled("compile()");
export const compileFn = notBundled("compileFn()");
export const withParser = notBundled("withParser()");
export const fromJSONSchema = notBundled("fromJSONSchema()");

// core/to-json-schema.js
const jsonSchema = notBundled("JSON Schema output");
export const initializeContext = jsonSchema;
export const handleUnrepresentable = jsonSchema;
export const processSchema = jsonSchema;
export const process = jsonSchema;
export const extractDefs = jsonSchema;
export const finalize = jsonSchema;
export const createToJSONSchemaMethod = (..._args: unknown[]) => jsonSchema;
export const createStandardJSONSchemaMethod = (..._args: unknown[]) => jsonSchema;

// core/json-schema-generator.js
export class JSONSchemaGenerator {
  constructor() {
    jsonSchema();
  }
}
