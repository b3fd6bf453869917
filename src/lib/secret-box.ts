/**
 * Secrets that must be stored yet stay unreadable at rest, sealed so that the key can be rotated
 * without losing a row: each ciphertext names the key that made it.
 *
 *   v2.<keyId>.<iv>.<ciphertext>      (iv and ciphertext base64; AES-256-GCM, 96-bit random iv)
 *
 * A key ring holds the current key material (seals, and opens what it sealed) and optionally the
 * previous one (only opens). `keyId` is a short hash of the material, so a ciphertext under neither
 * is recognised as such and reported by id (never by value) instead of failing as "corrupt". The
 * AES key is derived from the material with HKDF bound to a `purpose` ("webhook-signing-secret",
 * later "totp-secret"), so one operator secret can never open another feature's rows; the caller's
 * `context` (a row id) is the additional data, so a ciphertext copied onto another row does not open.
 */
import { deriveAesKey } from "./aead";

export const SECRET_BOX_VERSION = "v2";

export interface KeyRing {
  /** Seals and opens. */
  current: string;
  /** Only opens: set during a rotation, until nothing is sealed under it any more. */
  previous?: string;
}

/** A ciphertext under a key the ring does not hold (not current, not previous). */
export class UnknownSecretKeyError extends Error {
  constructor(
    readonly keyId: string,
    readonly known: readonly string[],
  ) {
    super(`sealed under key ${keyId}, which is neither the current nor the previous key (${known.join(", ") || "none"})`);
    this.name = "UnknownSecretKeyError";
  }
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const utf8 = (text: string) => new TextEncoder().encode(text);

/** Per-isolate caches: the ring never changes within an isolate's life, and derivation is not free. */
const keyIds = new Map<string, Promise<string>>();
const aesKeys = new Map<string, Promise<CryptoKey>>();

/** 8 base64url characters of SHA-256("secret-box key id\0" ‖ material): names a key, reveals nothing usable. */
export function keyIdOf(material: string): Promise<string> {
  let id = keyIds.get(material);
  if (!id) {
    id = crypto.subtle
      .digest("SHA-256", utf8(`secret-box key id\0${material}`))
      .then((digest) => toBase64(new Uint8Array(digest).slice(0, 6)).replaceAll("+", "-").replaceAll("/", "_"));
    keyIds.set(material, id);
  }
  return id;
}

function aesKey(material: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\0${material}`;
  let key = aesKeys.get(cacheKey);
  if (!key) {
    key = deriveAesKey(material, "secret-box", purpose);
    aesKeys.set(cacheKey, key);
  }
  return key;
}

/** Whether `stored` is in this module's format (anything else is the caller's legacy format). */
export const isSealed = (stored: string) => stored.startsWith(`${SECRET_BOX_VERSION}.`);

/** The key id a sealed value names, or null for a value not in this format. */
export function sealedKeyId(stored: string): string | null {
  const [version, keyId] = stored.split(".");
  return version === SECRET_BOX_VERSION && keyId ? keyId : null;
}

export async function seal(ring: KeyRing, purpose: string, context: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(context) },
    await aesKey(ring.current, purpose),
    utf8(plaintext),
  );
  return `${SECRET_BOX_VERSION}.${await keyIdOf(ring.current)}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

export interface Opened {
  plaintext: string;
  /** Sealed under the previous key: re-seal it so the previous key can be retired. */
  underPrevious: boolean;
}

/**
 * Opens a sealed value with whichever key of the ring its id names. Throws UnknownSecretKeyError
 * for a key the ring does not hold, and WebCrypto's OperationError for altered data or context.
 */
export async function open(ring: KeyRing, purpose: string, context: string, stored: string): Promise<Opened> {
  const [version, keyId, iv, sealed, extra] = stored.split(".");
  if (version !== SECRET_BOX_VERSION || !keyId || !iv || !sealed || extra !== undefined) throw new Error("not a sealed secret");
  const currentId = await keyIdOf(ring.current);
  const previousId = ring.previous ? await keyIdOf(ring.previous) : null;
  const material = keyId === currentId ? ring.current : keyId === previousId ? ring.previous! : null;
  if (material === null) throw new UnknownSecretKeyError(keyId, previousId ? [currentId, previousId] : [currentId]);
  const clear = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: utf8(context) },
    await aesKey(material, purpose),
    fromBase64(sealed),
  );
  return { plaintext: new TextDecoder().decode(clear), underPrevious: material !== ring.current };
}
