/**
 * Stands in for zod's locales index in the deployed bundle (wrangler.toml `[alias]`). zod's `z`
 * namespace re-exports every locale (`z.locales`, ~360 KiB of error messages in 40+ languages),
 * which esbuild cannot tree-shake; the API only speaks English, which zod installs by default
 * (`classic/schemas.js` imports `locales/en.js` itself). `z.locales.en()` keeps working.
 * Tests run unbundled through vite and see the full index: messages are the same English ones.
 */
export { default as en } from "zod/v4/locales/en.js";
