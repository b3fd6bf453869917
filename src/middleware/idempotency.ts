import { createMiddleware } from "hono/factory";
import type { AppBindings } from "../context";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/tokens";
import { callerOf } from "../services/auth/guards";
import { requireDeclared, type DeclaredRequirements } from "../services/auth/declared-requirements";
import type { Principal } from "../services/auth/principal";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey, type IdempotencyScope } from "../services/idempotency/records";

/** 1–255 printable ASCII characters (docs/api-conventions.md, "Safe retries: Idempotency-Key"). */
export const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,255}$/;

/** Records are scoped to the organization acted in and the credential's principal. */
function scopeOf(principal: Principal): IdempotencyScope {
  return principal.kind === "api_key"
    ? { organizationId: principal.scope.organization.id, principalId: principal.keyId }
    : { organizationId: principal.scope?.organization.id ?? "none", principalId: principal.user.id };
}

/**
 * Safe retries for creating POSTs (declared per route with `idempotent(...)`; the router puts this
 * after authentication). Without the header nothing changes. With it: the first request claims the
 * key and runs; its response — status and body — is kept 24 h; the same key with the same request
 * gets that response again with `Idempotent-Replayed: true` and changes nothing; with another
 * request → 422 `idempotency_key_reused`; while the first still runs → 409
 * `idempotency_key_in_progress`. A 5xx or 429 is not kept (a retry may succeed), so the key is
 * released.
 *
 * `declared` is what the route requires of its caller. It is checked first, against the caller as
 * it is now: a stored response is the service's answer to whoever the caller *was*, and a replay
 * skips the service and its own checks. An Admin demoted since, or a key whose role lost the
 * permission, gets the route's 403 and no stored secret (nothing is claimed or kept for it either).
 */
export const idempotency = (declared: DeclaredRequirements) =>
  createMiddleware<AppBindings>(async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError("validation_failed", "Idempotency-Key must be 1–255 printable ASCII characters.", {
        errors: [{ path: "Idempotency-Key", message: "1–255 printable ASCII characters." }],
      });
    }
    const ctx = c.get("ctx");
    await requireDeclared(ctx, declared);
    const scope = scopeOf(callerOf(ctx));
    const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const claim = await claimIdempotencyKey(ctx, scope, key, requestHash);
    if (claim.kind === "in_progress") {
      throw new ApiError("idempotency_key_in_progress", "A request with this Idempotency-Key is still running. Retry in a moment.", {
        headers: { "retry-after": "1" },
      });
    }
    if (claim.kind === "reused") {
      throw new ApiError(
        "idempotency_key_reused",
        "This Idempotency-Key was used with a different request. Use a new key for a new request.",
      );
    }
    if (claim.kind === "replay") {
      const headers: Record<string, string> = { "idempotent-replayed": "true" };
      if (claim.response.contentType) headers["content-type"] = claim.response.contentType;
      return new Response(claim.response.body || null, { status: claim.response.status, headers });
    }

    await next();
    const response = c.res;
    try {
      if (response.status >= 500 || response.status === 429) {
        await releaseIdempotencyKey(ctx, scope, claim.keyHash);
      } else {
        const body = await response.clone().text();
        await completeIdempotencyKey(ctx, scope, key, claim.keyHash, {
          status: response.status,
          contentType: response.headers.get("content-type"),
          body,
        });
      }
    } catch (error) {
      // Never leave a key stuck "in progress" for a day: give it back, and answer as planned.
      ctx.log.error("idempotency_record_failed", { error: String(error) });
      await releaseIdempotencyKey(ctx, scope, claim.keyHash).catch(() => {});
    }
  });
