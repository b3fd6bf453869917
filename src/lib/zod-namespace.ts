/**
 * What the bare "zod" specifier resolves to in the bundle (wrangler.toml `[alias]`): the app's
 * curated `z` (./zod.ts). Only @hono/zod-openapi imports "zod" (`import { z } from "zod"`, to hand
 * it to zod-to-openapi, which patches `z.ZodType.prototype`).
 */
export { z, z as default } from "./zod";
