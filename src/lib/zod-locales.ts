/**
 * Stands in for zod's locales index in the deployed bundle (wrangler.toml `[alias]`). zod's `z`
 * namespace re-exports every locale (`z.locales`, ~360 KiB of error messages in 40+ languages),
 * which esbuild cannot tree-shake; the API only speaks English, which zod installs by default
 * (`classic/schemas.js` imports `locales/en.js` itself). `z.locales.en()` keeps working.
 * The tests get the same (vitest.config.ts mirrors wrangler.toml's aliases).
 */
export { default as en } from "zod/v4/locales/en.js";
