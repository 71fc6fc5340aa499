import { createManualClock, isModelMeshError, type ManualClock } from "@modelmesh/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitOpenError } from "../../src/mixins/circuit-breaker.js";
import { RateLimitExceededError, type RateLimitMiddleware } from "../../src/mixins/rate-limiter.js";
import type { CacheMiddleware } from "../../src/mixins/cache.js";
import type { CircuitBreakerMiddleware } from "../../src/mixins/circuit-breaker.js";
import { getMixin, withCache, withCircuitBreaker, withRateLimiter, withRetry } from "../../src/mixins/with-mixins.js";
import { callOptions, chat, startUpstream, TinyProvider, type Upstream } from "./upstream.js";

let upstream: Upstream;
let clock: ManualClock;

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  clock = createManualClock();
  upstream.hits.clear();
  upstream.script.clear();
  upstream.always.clear();
});

/** Retry + CircuitBreaker + RateLimiter + Cache stacked on ONE provider class. */
function guardedClass(limits: { requestsPerMinute?: number; maxWaitMs?: number } = {}) {
  return withCache(
    withRateLimiter(
      withCircuitBreaker(withRetry(TinyProvider, { maxAttempts: 3, random: () => 0, clock }), { failureThreshold: 2, resetTimeoutMs: 10_000, clock }),
      { requestsPerMinute: limits.requestsPerMinute ?? 1000, maxWaitMs: limits.maxWaitMs ?? 0, clock },
    ),
    { ttlMs: 60_000, clock },
  );
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("Retry + CircuitBreaker + RateLimiter + Cache on one provider (real HTTP upstream)", () => {
  it("keeps the class usable and names the stack", () => {
    const Guarded = guardedClass();
    const provider = new Guarded(upstream.url);
    expect(provider).toBeInstanceOf(TinyProvider);
    expect(provider.baseUrl).toBe(upstream.url);
    expect(Guarded.name).toBe("cache(rateLimiter(circuitBreaker(retry(TinyProvider))))");
  });

  it("retry recovers a transient 503", async () => {
    const provider = new (guardedClass())(upstream.url);
    upstream.script.set("flaky", [503]);
    const result = await provider.complete(chat("flaky"), callOptions());
    expect(result.choices[0]!.message.content).toBe("hello #2");
    expect(upstream.hits.get("flaky")).toBe(2);
    expect(getMixin<CircuitBreakerMiddleware>(provider, "circuitBreaker")!.breaker.state).toBe("closed");
  });

  it("does not retry a non-retryable 400", async () => {
    const provider = new (guardedClass())(upstream.url);
    upstream.script.set("bad", [400]);
    await expect(provider.complete(chat("bad"), callOptions())).rejects.toMatchObject({ category: "invalid_request", status: 400 });
    expect(upstream.hits.get("bad")).toBe(1);
  });

  it("the breaker opens after N failed calls, rejects fast, and half-opens after the reset timeout", async () => {
    const provider = new (guardedClass())(upstream.url);
    upstream.always.set("down", 500);
    for (let i = 0; i < 2; i++) await expect(provider.complete(chat("down", `q${i}`), callOptions())).rejects.toMatchObject({ code: "MM_SERVER" });
    expect(upstream.hits.get("down")).toBe(6); // 2 calls × 3 attempts
    const breaker = getMixin<CircuitBreakerMiddleware>(provider, "circuitBreaker")!.breaker;
    expect(breaker.state).toBe("open");

    const error = await provider.complete(chat("down", "q3"), callOptions()).catch((e: unknown) => e);
    expect(CircuitOpenError.is(error)).toBe(true);
    expect((error as CircuitOpenError).code).toBe("MM_CIRCUIT_OPEN");
    expect((error as CircuitOpenError).remainingMs).toBe(10_000);
    expect(upstream.hits.get("down")).toBe(6); // rejected without touching the upstream

    clock.advance(10_000);
    upstream.always.delete("down");
    const recovered = await provider.complete(chat("down", "q4"), callOptions());
    expect(recovered.model).toBe("down");
    expect(breaker.state).toBe("closed");
  });

  it("the limiter rejects beyond the bucket with a typed error", async () => {
    const provider = new (guardedClass({ requestsPerMinute: 2 }))(upstream.url);
    await provider.complete(chat("m", "a"), callOptions());
    await provider.complete(chat("m", "b"), callOptions());
    const error = await provider.complete(chat("m", "c"), callOptions()).catch((e: unknown) => e);
    expect(RateLimitExceededError.is(error)).toBe(true);
    expect(isModelMeshError(error) && error.code).toBe("MM_RATE_LIMIT");
    expect((error as RateLimitExceededError).waitMs).toBe(30_000);
    expect(upstream.hits.get("m")).toBe(2);
  });

  it("the limiter defers a call until the bucket refills when a wait is allowed", async () => {
    const provider = new (guardedClass({ requestsPerMinute: 2, maxWaitMs: 60_000 }))(upstream.url);
    await provider.complete(chat("m", "a"), callOptions());
    await provider.complete(chat("m", "b"), callOptions());
    let settled = false;
    const pending = provider.complete(chat("m", "c"), callOptions()).then((r) => ((settled = true), r));
    await flush();
    expect(settled).toBe(false);
    expect(upstream.hits.get("m")).toBe(2);
    clock.advance(30_000);
    const result = await pending;
    expect(result.model).toBe("m");
    expect(upstream.hits.get("m")).toBe(3);
  });

  it("the cache serves a repeat without an upstream call or a limiter token", async () => {
    const provider = new (guardedClass({ requestsPerMinute: 5 }))(upstream.url);
    const first = await provider.complete(chat("cached", "same"), callOptions());
    const limiter = getMixin<RateLimitMiddleware>(provider, "rateLimiter")!.limiter;
    const before = limiter.remaining().requests;
    const second = await provider.complete(chat("cached", "same"), callOptions());
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(upstream.hits.get("cached")).toBe(1);
    expect(limiter.remaining().requests).toBe(before);
    expect(getMixin<CacheMiddleware>(provider, "cache")!.cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it("keeps middleware state per instance", async () => {
    const Guarded = guardedClass({ requestsPerMinute: 1 });
    const a = new Guarded(upstream.url);
    const b = new Guarded(upstream.url);
    await a.complete(chat("m", "a"), callOptions());
    await expect(b.complete(chat("m", "b"), callOptions())).resolves.toMatchObject({ model: "m" });
  });
});
