/**
 * Prefixed, sortable, opaque ids: `<prefix>_<26 chars>`, a ULID body (48-bit millisecond time +
 * 80 random bits, Crockford base32). Sorting ids sorts by creation time, which keyset pagination uses.
 */
export const ID_PREFIXES = ["org", "usr", "mem", "role", "inv", "key", "ses", "eml", "req", "etk", "evt", "whe", "dlv"] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}";
const BODY = new RegExp(`^${BODY_PATTERN}$`);

let lastTime = 0;
let lastRandom: number[] = [];

function encodeTime(time: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[time % 32] + out;
    time = Math.floor(time / 32);
  }
  return out;
}

/** Monotonic within an isolate: ids minted in the same millisecond still sort in minting order. */
function randomDigits(time: number): number[] {
  if (time === lastTime) {
    const next = [...lastRandom];
    for (let i = next.length - 1; i >= 0; i--) {
      if (next[i]! < 31) {
        next[i]!++;
        break;
      }
      next[i] = 0;
    }
    lastRandom = next;
    return next;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  lastTime = time;
  // Keep the top bit clear so increments within one millisecond never overflow.
  lastRandom = Array.from(bytes, (b, i) => (i === 0 ? b % 16 : b % 32));
  return lastRandom;
}

export function newId(prefix: IdPrefix, time = Date.now()): string {
  return `${prefix}_${encodeTime(time)}${randomDigits(time)
    .map((d) => ALPHABET[d])
    .join("")}`;
}

/**
 * The smallest id of this kind minted at `time`: every id minted earlier sorts below it. Retention
 * prunes on it (`id < idFloorAt("evt", cutoff)`), so it walks the primary key, not a time column.
 */
export function idFloorAt(prefix: IdPrefix, time: number): string {
  return `${prefix}_${encodeTime(time)}${"0".repeat(16)}`;
}

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.length === prefix.length + 27 && value.startsWith(`${prefix}_`) && BODY.test(value.slice(prefix.length + 1));
}

/** An id's shape as a regular-expression source, for a route that matches only ids (Hono's `:id{…}`). */
export function idPattern(prefix: IdPrefix): string {
  return `${prefix}_${BODY_PATTERN}`;
}

/** Any of our ids (a known prefix and a well-formed body): what a path id must look like before a lookup. */
export function isAnyId(value: string): boolean {
  const prefix = value.slice(0, value.indexOf("_"));
  return (ID_PREFIXES as readonly string[]).includes(prefix) && isId(value, prefix as IdPrefix);
}
