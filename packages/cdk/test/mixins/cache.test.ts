import { createManualClock } from "@modelmesh/core";
import { describe, expect, it, vi } from "vitest";
import { cacheMiddleware, defaultCacheKey, LruTtlCache } from "../../src/mixins/cache.js";
import { callOptions } from "./upstream.js";

describe("LruTtlCache", () => {
  it("evicts the least recently used entry, counting evictions", () => {
    const cache = new LruTtlCache<number>({ maxEntries: 2, clock: createManualClock() });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now most recent
    cache.set("c", 3); // evicts b
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.stats()).toEqual({ hits: 3, misses: 1, evictions: 1, size: 2 });
  });

  it("expires entries after their TTL on the injected clock", () => {
    const clock = createManualClock();
    const cache = new LruTtlCache<string>({ ttlMs: 1000, clock });
    cache.set("k", "v");
    clock.advance(999);
    expect(cache.has("k")).toBe(true);
    expect(cache.get("k")).toBe("v");
    clock.advance(1);
    expect(cache.get("k")).toBeUndefined();
    expect(cache.stats().size).toBe(0);
    cache.set("short", "v", 10);
    clock.advance(10);
    expect(cache.has("short")).toBe(false);
  });

  it("overwriting a key does not evict and delete/clear work", () => {
    const cache = new LruTtlCache<number>({ maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3);
    expect(cache.stats()).toMatchObject({ evictions: 0, size: 2 });
    expect(cache.delete("a")).toBe(true);
    expect(cache.delete("a")).toBe(false);
    cache.clear();
    expect(cache.stats()).toEqual({ hits: 0, misses: 0, evictions: 0, size: 0 });
  });
});

describe("cacheMiddleware", () => {
  it("serves a repeat from the cache with a key independent of property order", async () => {
    const next = vi.fn(async (request: { a: number; b: number }) => ({ sum: request.a + request.b }));
    const cached = cacheMiddleware();
    const call = cached(next);
    const first = await call({ a: 1, b: 2 }, callOptions());
    const second = await call({ b: 2, a: 1 }, callOptions());
    expect(second).toEqual(first);
    expect(next).toHaveBeenCalledTimes(1);
    expect(cached.cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it("hands out clones so callers cannot corrupt the cached value", async () => {
    const call = cacheMiddleware()(async () => ({ list: [1] }));
    const first = await call("k", callOptions());
    first.list.push(2);
    expect(await call("k", callOptions())).toEqual({ list: [1] });
  });

  it("never caches errors", async () => {
    const next = vi.fn().mockRejectedValueOnce(new Error("fail")).mockResolvedValue("ok");
    const call = cacheMiddleware()(next);
    await expect(call("k", callOptions())).rejects.toThrow("fail");
    await expect(call("k", callOptions())).resolves.toBe("ok");
    await expect(call("k", callOptions())).resolves.toBe("ok");
    expect(next).toHaveBeenCalledTimes(2);
  });

  it("never caches streams: stream requests bypass and stream results are not stored", async () => {
    expect(defaultCacheKey({ model: "m", stream: true })).toBeUndefined();
    const streamNext = vi.fn(async () => ({ async *[Symbol.asyncIterator]() {} }));
    const cached = cacheMiddleware();
    const call = cached(streamNext);
    await call({ model: "m", stream: true }, callOptions());
    await call({ model: "m" }, callOptions());
    await call({ model: "m" }, callOptions());
    expect(streamNext).toHaveBeenCalledTimes(3);
    expect(cached.cache.stats().size).toBe(0);
  });

  it("supports a custom key, a cacheable predicate and a shared cache", async () => {
    const shared = new LruTtlCache<string>();
    const next = vi.fn(async (request: { id: string; noise: number }) => `v-${request.id}`);
    const call = cacheMiddleware<{ id: string; noise: number }, string>({ cache: shared, key: (r) => r.id, cacheable: (res) => res !== "v-skip" })(next);
    await call({ id: "a", noise: 1 }, callOptions());
    await call({ id: "a", noise: 2 }, callOptions());
    await call({ id: "skip", noise: 1 }, callOptions());
    await call({ id: "skip", noise: 1 }, callOptions());
    expect(next).toHaveBeenCalledTimes(3);
    expect(shared.has("a")).toBe(true);
  });
});
