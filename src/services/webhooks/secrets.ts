import type { Env } from "../../env";
import { isSealed, open, seal, UnknownSecretKeyError, type KeyRing } from "../../lib/secret-box";

/**
 * Webhook signing secrets: `whsec_` + base64 of 32 random bytes (Standard Webhooks), shown once,
 * stored sealed (src/lib/secret-box.ts: AES-256-GCM, the ciphertext names its key) under the Worker
 * secret WEBHOOK_SECRET_KEY, with the endpoint id as additional data (a ciphertext copied onto
 * another row does not open). During a key rotation WEBHOOK_SECRET_KEY_PREVIOUS still opens what
 * the old key sealed, and the scheduled upkeep re-seals it (secret-key-rotation.ts).
 */
export const SECRET_PREFIX = "whsec_";

/** secret-box purpose: the AES key for webhook secrets is derived for this use only. */
const PURPOSE = "webhook-signing-secret";

/** Local development only: outside ENVIRONMENT=development a missing key is an error, never this. */
const DEVELOPMENT_KEY = "development-only-webhook-secret-key: never used outside ENVIRONMENT=development";

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export function mintWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The keys webhook secrets are sealed and opened with. Throws outside development when WEBHOOK_SECRET_KEY is unset. */
export function webhookKeyRing(env: Env): KeyRing {
  let current = env.WEBHOOK_SECRET_KEY;
  if (!current) {
    if (env.ENVIRONMENT !== "development") {
      throw new Error(
        "WEBHOOK_SECRET_KEY is not set: webhook secrets cannot be encrypted. Set it with `wrangler secret put WEBHOOK_SECRET_KEY`.",
      );
    }
    current = DEVELOPMENT_KEY;
  }
  return env.WEBHOOK_SECRET_KEY_PREVIOUS ? { current, previous: env.WEBHOOK_SECRET_KEY_PREVIOUS } : { current };
}

export function encryptSecret(env: Env, endpointId: string, secret: string): Promise<string> {
  return seal(webhookKeyRing(env), PURPOSE, endpointId, secret);
}

/** The secret, and whether it should be re-sealed under the current key (it is legacy `v1`, or under the previous key). */
export async function openSecret(env: Env, endpointId: string, stored: string): Promise<{ secret: string; stale: boolean }> {
  const ring = webhookKeyRing(env);
  if (isSealed(stored)) {
    const opened = await open(ring, PURPOSE, endpointId, stored);
    return { secret: opened.plaintext, stale: opened.underPrevious };
  }
  return { secret: await openLegacy(ring, endpointId, stored), stale: true };
}

export async function decryptSecret(env: Env, endpointId: string, stored: string): Promise<string> {
  return (await openSecret(env, endpointId, stored)).secret;
}

/** A `v1` ciphertext names no key: the AES key was SHA-256 of the key material. */
export class LegacySecretUnreadableError extends Error {
  constructor() {
    super("a v1 ciphertext that neither the current nor the previous key opens");
    this.name = "LegacySecretUnreadableError";
  }
}

/** A stored secret that the configured keys cannot open: an operator's key setup, not the receiver, is at fault. */
export const isUnreadableSecret = (error: unknown) =>
  error instanceof UnknownSecretKeyError || error instanceof LegacySecretUnreadableError;

/**
 * `v1.<iv>.<ciphertext>` (before ciphertexts named their key): tried under the current key, then
 * the previous one.
 */
async function openLegacy(ring: KeyRing, endpointId: string, stored: string): Promise<string> {
  const [version, iv, sealed, extra] = stored.split(".");
  if (version !== "v1" || !iv || !sealed || extra !== undefined) throw new Error("unknown webhook secret format");
  for (const material of ring.previous ? [ring.current, ring.previous] : [ring.current]) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material));
    const key = await crypto.subtle.importKey("raw", digest, "AES-GCM", false, ["decrypt"]);
    try {
      const clear = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(endpointId) },
        key,
        fromBase64(sealed),
      );
      return new TextDecoder().decode(clear);
    } catch {
      // Not this key (GCM authenticates): try the next.
    }
  }
  throw new LegacySecretUnreadableError();
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per
 * secret, keyed with the secret's base64-decoded bytes after `whsec_`; space-separated.
 */
export async function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): Promise<string> {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey(
        "raw",
        fromBase64(secret.slice(SECRET_PREFIX.length)),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)))}`;
    }),
  );
  return signatures.join(" ");
}
