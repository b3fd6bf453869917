/** The caller as the platform reports it, from request headers Cloudflare's edge sets. */

/** A caller's `X-Request-Id` that is echoed and logged (middleware/request-context.ts). */
export const CLIENT_REQUEST_ID_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";
export const CLIENT_REQUEST_ID_RULE = "1–128 of `[A-Za-z0-9._:-]`";

/** The connecting IP (`CF-Connecting-IP`): the key of the per-IP rate limits. */
export const clientIp = (c: { req: { header: (name: string) => string | undefined } }) => c.req.header("cf-connecting-ip") ?? "unknown";

/** The caller as the platform reports it: IP (rate limits) and User-Agent (the session list). */
export const clientOf = (c: { req: { header: (name: string) => string | undefined } }) => ({
  ip: clientIp(c),
  userAgent: c.req.header("user-agent") ?? null,
});
