import { z } from "./zod";
import { idPattern, isId, type IdPrefix } from "./ids";

/** A string that is an id of this kind: route params and queue messages validate through it. */
export function idSchema(prefix: IdPrefix) {
  return z
    .string()
    .refine((value) => isId(value, prefix), { message: `Not a ${prefix}_ id.` })
    .openapi({ pattern: `^${idPattern(prefix)}$` });
}
