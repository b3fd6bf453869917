import type { Env } from "../../env";

/**
 * Webhook signing secrets: `whsec_` + base64 of 32 random bytes (Standard Webhooks), shown once,
 * stored AES-GCM encrypted under a key derived from the Worker secret WEBHOOK_SECRET_KEY, with the
 * endpoint id as additional data (a ciphertext copied onto another row does not decrypt).
 */
export const SECRET_PREFIX = "whsec_";

/** Local development only: outside ENVIRONMENT=development a missing key is an error, never this. */
const DEVELOPMENT_KEY = "development-only-webhook-secret-key: never used outside ENVIRONMENT=development";

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export function mintWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** Imported keys, by key material: a small module-level cache (the key never changes within an isolate). */
const keys = new Map<string, Promise<CryptoKey>>();

function encryptionKey(env: Env): Promise<CryptoKey> {
  let material = env.WEBHOOK_SECRET_KEY;
  if (!material) {
    if (env.ENVIRONMENT !== "development") {
      throw new Error("WEBHOOK_SECRET_KEY is not set: webhook secrets cannot be encrypted. Set it with `wrangler secret put WEBHOOK_SECRET_KEY`.");
    }
    material = DEVELOPMENT_KEY;
  }
  let key = keys.get(material);
  if (!key) {
    key = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(material))
      .then((digest) => crypto.subtle.importKey("raw", digest, "AES-GCM", false, ["encrypt", "decrypt"]));
    keys.set(material, key);
  }
  return key;
}

/** `v1.<iv>.<ciphertext>`, both base64. */
export async function encryptSecret(env: Env, endpointId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(endpointId) },
    await encryptionKey(env),
    new TextEncoder().encode(secret),
  );
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

export async function decryptSecret(env: Env, endpointId: string, stored: string): Promise<string> {
  const [version, iv, sealed] = stored.split(".");
  if (version !== "v1" || !iv || !sealed) throw new Error("unknown webhook secret format");
  const clear = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(endpointId) },
    await encryptionKey(env),
    fromBase64(sealed),
  );
  return new TextDecoder().decode(clear);
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per
 * secret, keyed with the secret's base64-decoded bytes after `whsec_`; space-separated.
 */
export async function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): Promise<string> {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey("raw", fromBase64(secret.slice(SECRET_PREFIX.length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)))}`;
    }),
  );
  return signatures.join(" ");
}
