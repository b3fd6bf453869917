/**
 * Whether a URL host names this side of the internet: loopback, private, link-local, shared (CGNAT),
 * reserved or multicast addresses, and the names that only resolve inside a network. Pure: no DNS.
 *
 * Give it the host as the WHATWG URL parser leaves it (`new URL(raw).hostname`): the parser already
 * turned every IPv4 spelling (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`, `127.0.0.1.`) into
 * dotted decimal, IPv6 into its compressed bracketed form (`[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`),
 * lower-cased names and applied IDNA (`ｌｏｃａｌｈｏｓｔ` → `localhost`). Classifying that normalised
 * form, rather than the string as written, is what makes every spelling of one address the same.
 */

/** An IPv4 range: network address and prefix length, with why it is not a public destination. */
type V4Range = readonly [network: string, prefix: number, what: string];

const V4_FORBIDDEN: readonly V4Range[] = [
  ["0.0.0.0", 8, "this network / unspecified"],
  ["10.0.0.0", 8, "private (RFC 1918)"],
  ["100.64.0.0", 10, "shared address space (CGNAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private (RFC 1918)"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation (TEST-NET-1)"],
  ["192.88.99.0", 24, "6to4 relay anycast"],
  ["192.168.0.0", 16, "private (RFC 1918)"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation (TEST-NET-2)"],
  ["203.0.113.0", 24, "documentation (TEST-NET-3)"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved (incl. broadcast 255.255.255.255)"],
];

/**
 * Names that resolve only inside a network, with or without a trailing dot: RFC 6761 `localhost`,
 * mDNS `.local`, `.internal` (reserved for private use), RFC 8375 `.home.arpa`, and the private-use
 * suffixes RFC 6762 appendix G lists as common (`.lan`, `.home`, `.corp`, `.intranet`, `.private`).
 */
const INTERNAL_SUFFIXES = ["localhost", "local", "internal", "home.arpa", "lan", "home", "corp", "intranet", "private"] as const;

export type HostVerdict = { internal: false } | { internal: true; reason: string };

const PUBLIC: HostVerdict = { internal: false };
const internal = (reason: string): HostVerdict => ({ internal: true, reason });

function parseV4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

const V4_TABLE = V4_FORBIDDEN.map(([network, prefix, what]) => {
  const size = 2 ** (32 - prefix);
  return { start: parseV4(network)!, size, what };
});

/** Classifies a 32-bit IPv4 address. */
function classifyV4(address: number): HostVerdict {
  for (const range of V4_TABLE) {
    if (address >= range.start && address < range.start + range.size) return internal(`an IPv4 ${range.what} address`);
  }
  return PUBLIC;
}

/** The eight 16-bit groups of an IPv6 address (no brackets, no zone), or null when it is not one. */
function parseV6(text: string): number[] | null {
  let source = text;
  // A trailing dotted quad (`::ffff:10.0.0.1`) is two groups; the URL parser never leaves one, other callers might.
  const lastColon = source.lastIndexOf(":");
  if (lastColon >= 0 && source.includes(".", lastColon)) {
    const v4 = parseV4(source.slice(lastColon + 1));
    if (v4 === null) return null;
    source = `${source.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = source.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  // Without `::` there must be exactly eight groups; with it, `::` stands for at least one.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const words: number[] = [];
  for (const group of [...left, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => "0"), ...right]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    words.push(parseInt(group, 16));
  }
  return words;
}

const embeddedV4 = (words: number[], from: number) => words[from]! * 65536 + words[from + 1]!;
const startsWith = (words: number[], prefix: number[]) => prefix.every((word, i) => words[i] === word);

/** Classifies an IPv6 address; forms that carry an IPv4 address are judged by that address. */
function classifyV6(words: number[]): HostVerdict {
  const [w0] = words as [number];
  if (words.every((w) => w === 0)) return internal("the IPv6 unspecified address");
  if (words.slice(0, 7).every((w) => w === 0) && words[7] === 1) return internal("the IPv6 loopback address");
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address they carry.
  if (startsWith(words, [0, 0, 0, 0, 0, 0xffff])) return withV4("an IPv4-mapped", classifyV4(embeddedV4(words, 6)));
  if (startsWith(words, [0x64, 0xff9b, 0, 0, 0, 0])) return withV4("a NAT64", classifyV4(embeddedV4(words, 6)));
  // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291) and ::ffff:0:a.b.c.d (SIIT): never a receiver's address.
  if (startsWith(words, [0, 0, 0, 0, 0, 0])) return internal("an IPv4-compatible IPv6 address (deprecated)");
  if (startsWith(words, [0, 0, 0, 0, 0xffff, 0])) return internal("an IPv4-translated IPv6 address");
  if (startsWith(words, [0x64, 0xff9b, 0x1])) return internal("a local-use NAT64 address");
  // 2002::/16 (6to4) carries an IPv4 address in its next 32 bits.
  if (w0 === 0x2002) return withV4("a 6to4", classifyV4(embeddedV4(words, 1)));
  if (startsWith(words, [0x100, 0, 0, 0])) return internal("an IPv6 discard-only address");
  if (startsWith(words, [0x2001, 0xdb8])) return internal("an IPv6 documentation address");
  // 2001::/32 (Teredo) tunnels to an obfuscated IPv4 address: not a receiver's address either.
  if (startsWith(words, [0x2001, 0])) return internal("a Teredo address");
  if ((w0 & 0xfe00) === 0xfc00) return internal("an IPv6 unique-local address");
  if ((w0 & 0xffc0) === 0xfe80) return internal("an IPv6 link-local address");
  if ((w0 & 0xffc0) === 0xfec0) return internal("an IPv6 site-local address (deprecated)");
  if ((w0 & 0xff00) === 0xff00) return internal("an IPv6 multicast address");
  return PUBLIC;
}

function withV4(form: string, verdict: HostVerdict): HostVerdict {
  return verdict.internal ? internal(`${form} IPv6 form of ${verdict.reason}`) : PUBLIC;
}

/**
 * The verdict on a URL's `hostname`. Names are judged by what they say (an address literal, an
 * internal suffix, a single label), never by what they resolve to: resolution happens later, in the
 * runtime, and can change between a check and a request.
 */
export function classifyHost(hostname: string): HostVerdict {
  const host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) {
    const words = parseV6(host.slice(1, -1));
    return words ? classifyV6(words) : internal("an IPv6 literal that does not parse");
  }
  const v4 = parseV4(host.endsWith(".") ? host.slice(0, -1) : host);
  if (v4 !== null) return classifyV4(v4);
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "") return internal("an empty host");
  for (const suffix of INTERNAL_SUFFIXES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) return internal(`a name under .${suffix}, which resolves only inside a network`);
  }
  // A single label (`intranet`, `router`) is completed by the resolver's search list: an internal name.
  if (!name.includes(".")) return internal("a single-label name, which resolves only inside a network");
  return PUBLIC;
}
