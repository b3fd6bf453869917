import { generateHOTP } from "@oslojs/otp";
import { decodeBase32IgnorePadding, encodeBase32NoPadding } from "@oslojs/encoding";
import type { Env } from "../../env";
import { constantTimeEqual } from "../../lib/constant-time";
import { open, seal, type KeyRing } from "../../lib/secret-box";

/**
 * TOTP as RFC 6238 defines it and authenticator apps expect it: HMAC-SHA-1, 6 digits, 30-second
 * steps (the HOTP truncation is @oslojs/otp's, tested against the RFC's vectors). A code is accepted
 * for the current step and one step either side (clock drift), and only for a step later than the
 * last one accepted: the statement that accepts it is guarded on `totp_last_step < step`.
 *
 * The secret (20 random bytes, base32 as apps take it) is stored sealed under TOTP_SECRET_KEY
 * (src/lib/secret-box.ts, purpose "totp-secret", the user id as additional data).
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now a code may come from. */
const DRIFT_STEPS = 1;
const SECRET_BYTES = 20;
/** What authenticator apps show above the account name. */
export const TOTP_ISSUER = "Tours & Events";

const PURPOSE = "totp-secret";
/** Local development only: outside ENVIRONMENT=development a missing key is an error, never this. */
const DEVELOPMENT_KEY = "development-only-totp-secret-key: never used outside ENVIRONMENT=development";

export const stepAt = (ms: number) => Math.floor(ms / (TOTP_PERIOD_SECONDS * 1000));

export function newTotpSecret(): string {
  return encodeBase32NoPadding(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The code for one time step (RFC 4226 truncation over the big-endian step counter). */
export function totpCode(secretBase32: string, step: number, digits = TOTP_DIGITS): string {
  return generateHOTP(decodeBase32IgnorePadding(secretBase32), BigInt(step), digits);
}

/**
 * The time step `code` belongs to (now, or one step either side), or null. Every candidate is
 * computed and compared in constant time, whichever matches.
 */
export function matchingStep(secretBase32: string, code: string, now = Date.now()): number | null {
  const current = stepAt(now);
  let matched: number | null = null;
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (constantTimeEqual(totpCode(secretBase32, step), code) && matched === null) matched = step;
  }
  return matched;
}

/** `otpauth://totp/…` (the Key URI Format authenticator apps scan as a QR code). */
export function otpauthUri(secretBase32: string, accountName: string): string {
  const label = `${encodeURIComponent(TOTP_ISSUER)}:${encodeURIComponent(accountName)}`;
  const params = new URLSearchParams({
    secret: secretBase32,
    issuer: TOTP_ISSUER,
    algorithm: "SHA1",
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}

/** The keys TOTP secrets are sealed and opened with. Throws outside development when TOTP_SECRET_KEY is unset. */
export function totpKeyRing(env: Env): KeyRing {
  let current = env.TOTP_SECRET_KEY;
  if (!current) {
    if (env.ENVIRONMENT !== "development") {
      throw new Error("TOTP_SECRET_KEY is not set: TOTP secrets cannot be encrypted. Set it with `wrangler secret put TOTP_SECRET_KEY`.");
    }
    current = DEVELOPMENT_KEY;
  }
  return env.TOTP_SECRET_KEY_PREVIOUS ? { current, previous: env.TOTP_SECRET_KEY_PREVIOUS } : { current };
}

export const sealTotpSecret = (env: Env, userId: string, secret: string) => seal(totpKeyRing(env), PURPOSE, userId, secret);

export async function openTotpSecret(env: Env, userId: string, stored: string): Promise<string> {
  return (await open(totpKeyRing(env), PURPOSE, userId, stored)).plaintext;
}
