import type { Env } from "../../env";
import { ApiError } from "../../lib/errors";
import { classifyHost } from "../../lib/public-host";

export const MAX_URL_LENGTH = 2048;

/** Why a URL may not receive deliveries: `validation_failed` (malformed) or `webhook_url_forbidden` (an internal host). */
export interface UrlProblem {
  code: "validation_failed" | "webhook_url_forbidden";
  message: string;
}

const isDevelopment = (env: Env) => env.ENVIRONMENT === "development";

/**
 * The URL rules (docs/events-and-webhooks.md), checked on create, on every PATCH of `url`, and again before each
 * delivery (a URL stored before a rule existed is not sent to). https only; plain http only to
 * localhost / 127.0.0.1 under ENVIRONMENT=development (a receiver on the developer's machine); no
 * userinfo (credentials belong in the signature, not the URL); outside development the host may not
 * name this side of the internet in any spelling (src/lib/public-host.ts).
 */
export function webhookUrlProblem(env: Env, value: string): UrlProblem | null {
  const invalid = (message: string): UrlProblem => ({ code: "validation_failed", message });
  if (value.length > MAX_URL_LENGTH) return invalid(`At most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid("Must be an absolute URL.");
  }
  if (url.username || url.password) return invalid("Must not contain a user name or password.");
  // The parser has normalised the host: `http://2130706433` is 127.0.0.1 here, as it is to fetch().
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (url.protocol === "http:" && loopback && isDevelopment(env)) return null;
  if (url.protocol !== "https:" || !url.hostname) {
    return invalid(isDevelopment(env) ? "Must be https://, or http://localhost / http://127.0.0.1." : "Must be an https:// URL.");
  }
  // Development keeps internal https hosts: local receivers, tunnels, containers.
  if (isDevelopment(env)) return null;
  const verdict = classifyHost(url.hostname);
  if (verdict.internal) {
    return {
      code: "webhook_url_forbidden",
      message: `The host ${url.hostname} is ${verdict.reason}: webhooks go only to public internet hosts.`,
    };
  }
  return null;
}

/** Throws the 400 for a URL that breaks the rules (`errors[0].path` is `url`). */
export function assertWebhookUrl(env: Env, value: string): void {
  const problem = webhookUrlProblem(env, value);
  if (problem) throw new ApiError(problem.code, `url: ${problem.message}`, { errors: [{ path: "url", message: problem.message }] });
}

/**
 * How an endpoint's URL appears in events and `webhook.test` payloads: its origin and `/…`. The URL
 * is capability-bearing (receivers put tokens in paths and queries), and events travel to every
 * subscribed receiver and to the audit log's readers; the API's own responses keep the full URL.
 */
export function urlForEvents(value: string): string {
  try {
    return `${new URL(value).origin}/…`;
  } catch {
    return "…";
  }
}
