/**
 * Stands in for two zod modules the worker never uses (wrangler.toml `[alias]`, deployed bundle
 * only): `compile()` (zod's JIT validator, core/compile.js) and `fromJSONSchema()`
 * (classic/from-json-schema.js). zod's namespaces re-export them, so esbuild cannot drop them
 * (~12 KiB gzip). Only zod imports these specifiers (`./compile.js`, `./from-json-schema.js`):
 * checked across node_modules when the alias was added. Calling either here is a loud error.
 */
const notBundled = (name: string) => () => {
  throw new Error(`zod ${name}() is not bundled in this worker (src/lib/zod-unused.ts)`);
};

export const INVALID = Symbol.for("zod.compile.invalid");
export class ZodCompileAsyncError extends Error {}
export class ZodCompileUnsupportedError extends Error {}
export const compile = notBundled("compile");
export const compileFn = notBundled("compileFn");
export const withParser = notBundled("withParser");
export const fromJSONSchema = notBundled("fromJSONSchema");
