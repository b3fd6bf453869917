import { fromHex, toHex } from "./encoding";

/**
 * PBKDF2-SHA256 through WebCrypto. 100,000 iterations is the most Workers production allows.
 * Stored as `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>` so the cost can be raised later
 * (verification reads the parameters from the stored string).
 */
export const PBKDF2_ITERATIONS = 100_000;

/** The password rule, in one place: the API's schema (routes/schemas.ts PasswordInput) and every page say it the same way. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
/** What a form's label says about a new password. */
export const PASSWORD_HINT = `at least ${PASSWORD_MIN_LENGTH} characters`;
/** The one message for a new password that breaks the rule: sign-up, accepting, reset and change alike. */
export const PASSWORD_RULE = `The password must have ${PASSWORD_HINT} (and at most ${PASSWORD_MAX_LENGTH}).`;
const ALGORITHM = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return toHex(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `${ALGORITHM}$${PBKDF2_ITERATIONS}$${toHex(salt.buffer)}$${hash}`;
}

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algorithm, iterations, salt, hash] = stored.split("$");
  if (algorithm !== ALGORITHM || !iterations || !salt || !hash) return false;
  const computed = await derive(password, fromHex(salt), Number(iterations));
  return timingSafeEqual(computed, hash);
}

/**
 * A hash of nothing anybody knows, verified when the email is unknown so that sign-in costs the
 * same time whether or not the account exists.
 */
export const DUMMY_PASSWORD_HASH = `${ALGORITHM}$${PBKDF2_ITERATIONS}$00000000000000000000000000000000$${"0".repeat(64)}`;
