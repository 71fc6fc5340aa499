/**
 * TTL + LRU cache and the cache middleware. LRU order is the insertion order of a `Map`: a hit re-inserts
 * the key at the end, eviction takes `keys().next()`. Every operation is O(1): eviction never
 * scans the entries.
 */
import { systemClock, type Clock } from "@modelmesh/core";
import { stableStringify } from "../helpers/stable-json.js";
import { isStreamLike, type ProviderMiddleware } from "./middleware.js";

/** Cache counters. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries dropped to make room (expired entries are not counted). */
  evictions: number;
  /** Entries currently held (may include expired ones not yet touched). */
  size: number;
}

/** Options of {@link LruTtlCache}. */
export interface LruTtlCacheOptions {
  /** Maximum entries. Default 1024. */
  maxEntries?: number;
  /** Time to live of an entry from when it was set, in ms. Default 60 000. `Infinity` = no expiry. */
  ttlMs?: number;
  /** Time source. Default: the system clock. */
  clock?: Clock;
}

/** A bounded map with per-entry TTL and least-recently-used eviction. */
export class LruTtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(options: LruTtlCacheOptions = {}) {
    this.#maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 1024));
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The value, or undefined when absent or expired. A hit marks the entry most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    this.#entries.delete(key);
    if (this.#clock.now() >= entry.expiresAt) {
      this.#misses++;
      return undefined;
    }
    this.#entries.set(key, entry);
    this.#hits++;
    return entry.value;
  }

  /** True if a live entry exists (does not touch LRU order or counters). */
  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && this.#clock.now() < entry.expiresAt;
  }

  /** Stores a value, evicting the least recently used entry when full. `ttlMs` overrides the default. */
  set(key: string, value: V, ttlMs = this.#ttlMs): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#evictions++;
    }
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + ttlMs });
  }

  /** Removes one entry; true if it existed. */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Removes every entry and resets the counters. */
  clear(): void {
    this.#entries.clear();
    this.#hits = 0;
    this.#misses = 0;
    this.#evictions = 0;
  }

  /** Current counters. */
  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, evictions: this.#evictions, size: this.#entries.size };
  }
}

/** Options of {@link cacheMiddleware}. */
export interface CacheMiddlewareOptions<Req = any, Res = any> extends LruTtlCacheOptions {
  /** Use this cache instead of creating one (to share it or read its stats). */
  cache?: LruTtlCache<Res>;
  /**
   * Cache key of a request; return undefined to bypass the cache. Default: deterministic JSON of the whole
   * request, and bypass for `stream: true` requests.
   */
  key?: (request: Req) => string | undefined;
  /** Whether a response may be stored. Default: everything that is not a stream. */
  cacheable?: (response: Res, request: Req) => boolean;
  /** Hand out structured clones so callers cannot mutate the cached copy. Default true. */
  clone?: boolean;
}

/** A cache middleware; `cache` exposes the underlying store (stats, invalidation). */
export type CacheMiddleware<Req = any, Res = any> = ProviderMiddleware<Req, Res> & { readonly cache: LruTtlCache<Res> };

/** Default cache key: deterministic JSON; streaming requests bypass. */
export function defaultCacheKey(request: unknown): string | undefined {
  if (typeof request === "object" && request !== null && (request as { stream?: unknown }).stream === true) return undefined;
  return stableStringify(request);
}

/**
 * Serves repeated requests from an in-memory TTL + LRU cache. Only successful, non-stream results are
 * stored: errors pass through and are never cached, and a stream (async iterable / ReadableStream) result is
 * returned untouched.
 *
 * @example
 * const cached = cacheMiddleware({ ttlMs: 30_000, maxEntries: 500 });
 * const call = cached((req, opts) => provider.complete(req, opts));
 * cached.cache.stats(); // { hits, misses, evictions, size }
 */
export function cacheMiddleware<Req = any, Res = any>(options: CacheMiddlewareOptions<Req, Res> = {}): CacheMiddleware<Req, Res> {
  const cache = options.cache ?? new LruTtlCache<Res>(options);
  const keyOf = options.key ?? (defaultCacheKey as (request: Req) => string | undefined);
  const clone = options.clone ?? true;
  const copy = (value: Res): Res => (clone && typeof value === "object" && value !== null ? structuredClone(value) : value);
  const middleware: ProviderMiddleware<Req, Res> = (next) => async (request, callOptions) => {
    const key = keyOf(request);
    if (key === undefined) return next(request, callOptions);
    const hit = cache.get(key);
    if (hit !== undefined) return copy(hit);
    const response = await next(request, callOptions);
    const storable = !isStreamLike(response) && (options.cacheable ? options.cacheable(response, request) : true);
    if (storable && response !== undefined) cache.set(key, copy(response));
    return response;
  };
  return Object.assign(middleware, { cache });
}
