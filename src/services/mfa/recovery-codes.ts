import { encodeBase32NoPadding } from "@oslojs/encoding";
import { constantTimeEqual } from "../../lib/constant-time";
import { sha256Hex } from "../../lib/tokens";

/**
 * Recovery codes: 10 per confirmed enrollment, each 80 random bits written as four groups of four
 * base32 characters (`abcd-efgh-ijkl-mnop`). Shown once; only SHA-256 of the normalised code is
 * stored (80 bits: no dictionary to try). Case, dashes and spaces do not matter when typed back.
 */
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const body = encodeBase32NoPadding(crypto.getRandomValues(new Uint8Array(10))).toLowerCase();
    return body.match(/.{4}/g)!.join("-");
  });
}

export const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, "");

export const hashRecoveryCode = (code: string) => sha256Hex(`recovery-code\0${normalizeRecoveryCode(code)}`);

/** Whether `hash` is among `stored` (a JSON array of hashes): every entry compared, in constant time. */
export function includesHash(stored: string | null, hash: string): boolean {
  const hashes = stored ? (JSON.parse(stored) as string[]) : [];
  let found = false;
  for (const candidate of hashes) if (constantTimeEqual(candidate, hash)) found = true;
  return found;
}
