import { crc32, toBase62, toHex, uintToBase62 } from "./encoding";

/**
 * Secret tokens: `<prefix>_<43 base62 chars: 256 random bits><6 base62 chars: CRC32 of the rest>`.
 * The prefix tells the credential kinds apart (and never equals an id prefix: a session token is
 * `sst_…`, a session id `ses_…`), and the checksum lets a mistyped or forged token be
 * refused with pure CPU work: no KV or D1 read (a cheap defence against credential-stuffing load).
 * Only SHA-256(token) is ever stored.
 */
export const TOKEN_PREFIXES = {
  apiKey: "ork",
  session: "sst",
  invitation: "ivt",
  emailVerification: "vet",
  passwordReset: "prt",
  mfaChallenge: "mfa",
} as const;
export type TokenKind = keyof typeof TOKEN_PREFIXES;

const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const BODY = /^[0-9A-Za-z]+$/;

function pad(body: string): string {
  return body.padStart(RANDOM_LENGTH, "0");
}

export function mintToken(kind: TokenKind): string {
  const random = pad(toBase62(crypto.getRandomValues(new Uint8Array(32))));
  const head = `${TOKEN_PREFIXES[kind]}_${random}`;
  return head + uintToBase62(crc32(head), CHECKSUM_LENGTH);
}

/** Which kind a token is, if its shape and checksum are right; `null` otherwise. */
export function parseToken(token: string): TokenKind | null {
  const underscore = token.indexOf("_");
  if (underscore !== 3 || token.length !== 4 + RANDOM_LENGTH + CHECKSUM_LENGTH) return null;
  const prefix = token.slice(0, 3);
  const kind = (Object.keys(TOKEN_PREFIXES) as TokenKind[]).find((k) => TOKEN_PREFIXES[k] === prefix);
  if (!kind) return null;
  const body = token.slice(4);
  if (!BODY.test(body)) return null;
  const head = token.slice(0, 4 + RANDOM_LENGTH);
  return uintToBase62(crc32(head), CHECKSUM_LENGTH) === token.slice(4 + RANDOM_LENGTH) ? kind : null;
}

export async function sha256Hex(value: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
}

/** The part of a secret shown in lists so people can tell keys apart: prefix + 6 chars. */
export function tokenStart(token: string): string {
  return token.slice(0, 10);
}
