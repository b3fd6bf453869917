import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ISOLATE_TTL_MS, REFRESH_AHEAD_MS, TieredCache } from "../../src/cache/tiered-cache";
import { createLogger } from "../../src/lib/log";
import { call, countingEnv } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";

afterEach(() => vi.restoreAllMocks());

/** A cache context on the real KV binding, collecting the work it hands to `waitUntil` (what runs after the response). */
function context() {
  const background: Promise<unknown>[] = [];
  const { env: counted, counts } = countingEnv();
  return {
    ctx: { env: counted, log: createLogger({ test: "cache-refresh" }), waitUntil: (p: Promise<unknown>) => void background.push(p) },
    counts,
    background,
  };
}

/** A loader standing for D1: returns `value.current`, counting its calls. */
function source(initial: string) {
  const value = { current: initial as string | null, loads: 0 };
  return { value, load: async () => (value.loads++, value.current) };
}

const at = (ms: number) => vi.spyOn(Date, "now").mockReturnValue(ms);

/**
 * Loads `key` into the cache (and its KV write-back), then removes it from KV, as after a change
 * elsewhere: from here on only memory holds it, so a refresh has to go to the source.
 */
async function warmThenForgetKv(cache: TieredCache<string>, key: string, load: () => Promise<string | null>) {
  const warm = context();
  await cache.get(warm.ctx, key, load);
  await Promise.all(warm.background);
  await env.AUTH_CACHE.delete(`refresh-test:${key}`);
}
let n = 0;
const freshKey = () => `refresh-test-${Date.now()}-${n++}`;

/** A new cache and key, its source at "v1", and the clock held at `t0`. */
function freshCache() {
  const t0 = Date.now();
  at(t0);
  return { cache: new TieredCache<string>({ name: "refresh-test" }), key: freshKey(), d1: source("v1"), t0 };
}

describe("tiered cache: entries in steady use are refreshed ahead of expiry, off the request path", () => {
  it("serves a fresh entry from memory with no I/O and nothing scheduled", async () => {
    const { cache, key, d1, t0 } = freshCache();
    await cache.get(context().ctx, key, d1.load);
    at(t0 + ISOLATE_TTL_MS - REFRESH_AHEAD_MS - 1);
    const { ctx, counts, background } = context();
    expect(await cache.get(ctx, key, d1.load)).toBe("v1");
    expect(counts).toEqual({ d1: 0, kv: 0 });
    expect(background).toHaveLength(0);
    expect(d1.value.loads).toBe(1);
  });

  it("near expiry: answers from memory at once, refreshes once in the background, then serves what the refresh found", async () => {
    const { cache, key, d1, t0 } = freshCache();
    await warmThenForgetKv(cache, key, d1.load);
    d1.value.current = "v2"; // the source changes

    at(t0 + ISOLATE_TTL_MS - REFRESH_AHEAD_MS + 1);
    const first = context();
    expect(await cache.get(first.ctx, key, d1.load)).toBe("v1"); // still within its 15 s: the old value, no wait
    const second = context();
    expect(await cache.get(second.ctx, key, d1.load)).toBe("v1");
    expect(first.background).toHaveLength(1);
    expect(second.background).toHaveLength(0); // one refresh per key at a time
    await Promise.all(first.background);
    expect(first.counts.kv).toBeGreaterThan(0); // the refresh read KV (a miss), then the source
    expect(d1.value.loads).toBe(2);

    // After the old entry's expiry the refreshed one answers from memory, with no I/O.
    at(t0 + ISOLATE_TTL_MS + 1);
    const later = context();
    expect(await cache.get(later.ctx, key, d1.load)).toBe("v2");
    expect(later.counts).toEqual({ d1: 0, kv: 0 });
    expect(later.background).toHaveLength(0);
  });

  it("a record gone at the source leaves memory as soon as the refresh finds it gone", async () => {
    const { cache, key, d1, t0 } = freshCache();
    await warmThenForgetKv(cache, key, d1.load);
    d1.value.current = null;
    at(t0 + ISOLATE_TTL_MS - 1);
    const near = context();
    expect(await cache.get(near.ctx, key, d1.load)).toBe("v1");
    await Promise.all(near.background);
    expect(cache.peek(key, t0 + ISOLATE_TTL_MS - 1)).toBeUndefined();
    expect(await cache.get(context().ctx, key, d1.load)).toBeNull();
  });

  it("an invalidation during the refresh wins: what the refresh loaded is not remembered", async () => {
    const cache = new TieredCache<string>({ name: "refresh-test" });
    const key = freshKey();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let loads = 0;
    const load = async () => (loads++ === 0 ? "v1" : (await gate, "stale"));
    const t0 = Date.now();
    at(t0);
    await warmThenForgetKv(cache, key, load);

    at(t0 + ISOLATE_TTL_MS - 1);
    const near = context();
    await cache.get(near.ctx, key, load);
    await cache.invalidate(context().ctx, key); // a change on this isolate while the refresh is loading
    release();
    await Promise.all(near.background);
    expect(cache.peek(key, t0 + ISOLATE_TTL_MS - 1)).toBeUndefined();
  });

  it("through the API: a warm key read near its entries' expiry answers 200 and refreshes after the response", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    const t0 = Date.now();
    at(t0);
    expect((await call("GET", "/api/organizations/me", { token: key.key })).status).toBe(200);
    at(t0 + ISOLATE_TTL_MS - 1);
    const { env: counted, counts } = countingEnv();
    expect((await call("GET", "/api/organizations/me", { token: key.key, env: counted })).status).toBe(200);
    expect(counts.kv).toBeGreaterThan(0); // the refresh (after the response) read KV
    at(t0 + ISOLATE_TTL_MS + 1_000);
    const after = countingEnv();
    const later = await call("GET", "/api/organizations/me", { token: key.key, env: after.env });
    expect(later.status).toBe(200);
    expect((later.body as { id: string }).id).toBe(owner.organization.id);
    expect(after.counts).toEqual({ d1: 0, kv: 0 }); // past the first entries' expiry: still warm
  });
});
