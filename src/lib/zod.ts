/**
 * The app's zod: the schema builders it uses, and nothing else. Every module imports `z` from here
 * (`import { z } from "./zod"`), never from "zod" or "@hono/zod-openapi".
 *
 * Why: zod's own `z` namespace is one object holding every builder and format zod has, and a
 * bundler must keep all of it once anything passes `z` around as a value (as @hono/zod-openapi
 * does). Here `z` holds only what is listed below, so esbuild drops the rest (~12 KiB gzip of the
 * worker), and the typechecker refuses a builder that is not listed: add it here first. In the
 * bundle, wrangler.toml `[alias]` points the bare "zod" specifier (imported only by
 * @hono/zod-openapi, which hands `z` to zod-to-openapi to add `.openapi()` to `ZodType`) at
 * `./zod-namespace.ts`, this same curated `z`; vitest.config.ts applies the same aliases, so the
 * tests run what is deployed.
 *
 * `.openapi()` is installed here too (idempotent), so a schema defined in any module has it
 * whether or not @hono/zod-openapi has been evaluated yet.
 */
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import * as api from "./zod-api";

// It reads `ZodType` only (it patches `ZodType.prototype`), so the curated namespace will do.
extendZodWithOpenApi(api as unknown as Parameters<typeof extendZodWithOpenApi>[0]);

export { api as z };
