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
