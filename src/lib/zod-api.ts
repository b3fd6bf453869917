/**
 * The zod builders and types the app uses (see ./zod.ts: import `z` from there, not this file).
 * "zod/v4" is the real zod; the bare "zod" specifier is aliased to the curated namespace in the
 * bundle (wrangler.toml).
 */
export {
  array,
  boolean,
  coerce,
  discriminatedUnion,
  email,
  enum,
  iso,
  literal,
  null,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
  ZodType,
} from "zod/v4";
export type { infer, input, output, ZodBoolean, ZodObject } from "zod/v4";
