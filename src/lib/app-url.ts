import type { Env } from "../env";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The base URL of links in emails: `APP_URL`, except in development, where the origin of a request
 * to this machine wins, so `npm run dev -- --port 8788` sends links to :8788 without editing
 * wrangler.toml. Only a loopback http(s) origin is taken, and only when `ENVIRONMENT=development`:
 * elsewhere the Host header is the client's to choose and must never shape a link.
 */
export function appOrigin(env: Pick<Env, "ENVIRONMENT" | "APP_URL">, requestUrl?: string): string {
  const configured = env.APP_URL.replace(/\/+$/, "");
  if (env.ENVIRONMENT !== "development" || !requestUrl) return configured;
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return configured;
  }
  const local = (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname);
  return local ? url.origin : configured;
}

/** `appOrigin` for a service: the request's URL travels on the context (none in the queue consumer). */
export const appUrl = (ctx: { env: Pick<Env, "ENVIRONMENT" | "APP_URL">; requestUrl?: string }) => appOrigin(ctx.env, ctx.requestUrl);
