import { z } from "../lib/zod";
import { IDEMPOTENCY_KEY } from "../middleware/idempotency";

/** The `Idempotency-Key` request header, as the document shows it. Put in the route's `request.headers`. */
export const IdempotencyKeyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(IDEMPOTENCY_KEY)
    .optional()
    .openapi({
      param: { name: "idempotency-key", in: "header" },
      description:
        "Makes a retry safe: the first response (status and body) is kept 24 h for this organization and credential; the same key and request get it again with `Idempotent-Replayed: true`, a different request with the same key is a 422 `idempotency_key_reused`, and while the first runs a 409 `idempotency_key_in_progress`. 1–255 printable ASCII characters.",
      example: "9f1c2b7e-create-booking-key",
    }),
});

/**
 * A creating POST that accepts `Idempotency-Key`: marks the route's auth mode `x-idempotent`. The
 * router (routes/router.ts) registers such a route with the idempotency middleware after
 * authentication (records are scoped to the principal), checking the route's declared
 * requirements before any replay; the mark also lets a test check every creating POST declares it.
 */
export function idempotent<M extends { security: unknown[] }>(mode: M) {
  return { ...mode, "x-idempotent": true as const };
}
