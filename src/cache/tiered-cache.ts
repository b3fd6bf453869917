import type { Env } from "../env";
import type { Logger } from "../lib/log";

/** What a cache needs of a request's context (a RequestContext has it): KV, logs, work after the response. */
export interface CacheContext {
  env: Pick<Env, "AUTH_CACHE">;
  log: Logger;
  waitUntil: (promise: Promise<unknown>) => void;
}

/**
 * How long an entry is trusted in one isolate's memory. Changes made on this isolate invalidate
 * at once; changes made elsewhere are seen after at most this long plus KV propagation (README:
 * "Revocation and staleness").
 */
export const ISOLATE_TTL_MS = 15_000;
/**
 * An entry this close to its expiry is still served from memory, and the request that sees it
 * refreshes it in the background (its `waitUntil`; one refresh per key at a time): a key in steady
 * use never expires in a busy isolate, so no request waits on KV for it — the tail the expiry would
 * otherwise put on one request in every ISOLATE_TTL_MS, with every concurrent request of the key
 * waiting on its own KV read. The bound is unchanged: memory is trusted for at most ISOLATE_TTL_MS,
 * and a refresh reads what a miss would (KV, then D1). Same I/O as before: one KV read per key per
 * ISOLATE_TTL_MS, taken off the request path.
 */
export const REFRESH_AHEAD_MS = 3_000;
/** A refresh that never finished (its request's waitUntil was cut short) stops blocking the next after this. */
const REFRESH_STUCK_MS = 10_000;
/** KV's shortest expiry. Also bounds how long a stale KV write-back can survive a race. */
export const KV_TTL_SECONDS = 60;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T | null;
  expiresAt: number;
}

export interface TieredCacheOptions {
  /** KV key namespace, e.g. `cred`. */
  name: string;
  /** Cache "not found" in the isolate too (never in KV). */
  cacheMisses?: boolean;
}

/**
 * The tiered lookup: in-isolate Map → KV → D1 (the loader). Only small Maps live at module
 * scope; the KV and D1 handles come from the request context, never from module state.
 */
export class TieredCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Bumped by `invalidate`; a load that started before it may not be written back. */
  private readonly generations = new Map<string, number>();
  private generation = 0;
  /** Keys whose background refresh is in flight, with when it started. */
  private readonly refreshing = new Map<string, number>();

  constructor(private readonly options: TieredCacheOptions) {}

  /** The isolate tier alone: the warm path, no I/O at all. `undefined` = not cached here. */
  peek(key: string, now = Date.now()): T | null | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async get(ctx: CacheContext, key: string, load: () => Promise<T | null>): Promise<T | null> {
    const now = Date.now();
    const cached = this.peek(key, now);
    if (cached !== undefined) {
      if (this.entries.get(key)!.expiresAt - now <= REFRESH_AHEAD_MS) this.refreshAhead(ctx, key, load, now);
      return cached;
    }
    return this.fill(ctx, key, load);
  }

  /** Refreshes an entry about to expire, after the response (at most one refresh per key in flight). */
  private refreshAhead(ctx: CacheContext, key: string, load: () => Promise<T | null>, now: number): void {
    const started = this.refreshing.get(key);
    if (started !== undefined && now - started < REFRESH_STUCK_MS) return;
    this.refreshing.set(key, now);
    ctx.waitUntil(
      this.fill(ctx, key, load)
        .catch((error) => ctx.log.error("cache_refresh_failed", { key: this.kvKey(key), error: String(error) }))
        .finally(() => {
          if (this.refreshing.get(key) === now) this.refreshing.delete(key);
        }),
    );
  }

  /** The isolate tier missed (or is being refreshed): KV, then the loader; remembers what it found. */
  private async fill(ctx: CacheContext, key: string, load: () => Promise<T | null>): Promise<T | null> {
    const startedAt = this.generations.get(key) ?? 0;
    const kvKey = this.kvKey(key);
    const fromKv = await readKv<T>(ctx, kvKey);
    if (fromKv !== null) {
      this.remember(key, fromKv, startedAt);
      return fromKv;
    }
    const loaded = await load();
    if (loaded !== null || this.options.cacheMisses) this.remember(key, loaded, startedAt);
    else this.entries.delete(key); // gone at the source: a refreshed entry goes too, at once
    if (loaded !== null && (this.generations.get(key) ?? 0) === startedAt) {
      ctx.waitUntil(writeKv(ctx, kvKey, loaded));
    }
    return loaded;
  }

  /** Drop the entry from this isolate at once, and from KV (awaited, so this location agrees). */
  async invalidate(ctx: CacheContext, key: string): Promise<void> {
    this.generations.set(key, ++this.generation);
    if (this.generations.size > MAX_ENTRIES) this.generations.delete(this.generations.keys().next().value!);
    this.entries.delete(key);
    try {
      await ctx.env.AUTH_CACHE.delete(this.kvKey(key));
    } catch (error) {
      // The isolate entry is already gone; KV copies expire within KV_TTL_SECONDS anyway.
      ctx.log.error("kv_delete_failed", { key: this.kvKey(key), error: String(error) });
    }
  }

  /** Forget everything in this isolate (tests and benchmarks use it to measure cold paths). */
  clearIsolate(): void {
    this.entries.clear();
    this.refreshing.clear();
  }

  private remember(key: string, value: T | null, startedAt: number): void {
    if ((this.generations.get(key) ?? 0) !== startedAt) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: Date.now() + ISOLATE_TTL_MS });
  }

  private kvKey(key: string): string {
    return `${this.options.name}:${key}`;
  }
}

async function readKv<T>(ctx: CacheContext, key: string): Promise<T | null> {
  try {
    return await ctx.env.AUTH_CACHE.get<T>(key, { type: "json", cacheTtl: KV_TTL_SECONDS });
  } catch (error) {
    // KV is an accelerator, never the source of truth: fall through to D1.
    ctx.log.error("kv_read_failed", { key, error: String(error) });
    return null;
  }
}

async function writeKv(ctx: CacheContext, key: string, value: unknown): Promise<void> {
  try {
    await ctx.env.AUTH_CACHE.put(key, JSON.stringify(value), { expirationTtl: KV_TTL_SECONDS });
  } catch (error) {
    ctx.log.error("kv_write_failed", { key, error: String(error) });
  }
}
