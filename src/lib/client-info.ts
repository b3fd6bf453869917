/** The caller as the platform reports it, from request headers Cloudflare's edge sets. */

/** The connecting IP (`CF-Connecting-IP`): the key of the per-IP rate limits. */
export const clientIp = (c: { req: { header: (name: string) => string | undefined } }) => c.req.header("cf-connecting-ip") ?? "unknown";

/** The caller as the platform reports it: IP (rate limits) and User-Agent (the session list). */
export const clientOf = (c: { req: { header: (name: string) => string | undefined } }) => ({
  ip: clientIp(c),
  userAgent: c.req.header("user-agent") ?? null,
});
