import { createManualClock } from "@modelmesh/core";
import { describe, expect, it, vi } from "vitest";
import { estimateRequestTokens, rateLimitMiddleware, RateLimitExceededError, TokenBucketRateLimiter } from "../../src/mixins/rate-limiter.js";
import { callOptions } from "./upstream.js";

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("TokenBucketRateLimiter", () => {
  it("allows a burst, then rejects with the exact wait", () => {
    const clock = createManualClock();
    const limiter = new TokenBucketRateLimiter({ requestsPerMinute: 60, requestBurst: 2, clock });
    limiter.reserve();
    limiter.reserve();
    const error = (() => {
      try {
        limiter.reserve();
      } catch (e) {
        return e;
      }
    })();
    expect(RateLimitExceededError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", waitMs: 1000, retryAfterMs: 1000 });
    clock.advance(1000);
    expect(limiter.reserve().waitMs).toBe(0);
  });

  it("checks requests AND tokens in one step and reserves nothing on rejection", () => {
    const clock = createManualClock();
    const limiter = new TokenBucketRateLimiter({ requestsPerMinute: 100, tokensPerMinute: 1000, clock });
    limiter.reserve(900);
    expect(() => limiter.reserve(200)).toThrow(/capacity frees up in 6000 ms/);
    // The rejected call took neither a request slot nor tokens.
    expect(limiter.remaining()).toEqual({ requests: 99, tokens: 100 });
    expect(limiter.reserve(100).waitMs).toBe(0);
  });

  it("queues callers in arrival order when a wait is allowed", async () => {
    const clock = createManualClock();
    const limiter = new TokenBucketRateLimiter({ requestsPerMinute: 60, requestBurst: 1, maxWaitMs: 10_000, clock });
    const order: string[] = [];
    await limiter.acquire();
    const b = limiter.acquire().then(() => order.push("b"));
    const c = limiter.acquire().then(() => order.push("c"));
    await flush();
    clock.advance(1000);
    await b;
    expect(order).toEqual(["b"]);
    clock.advance(1000);
    await c;
    expect(order).toEqual(["b", "c"]);
  });

  it("returns capacity when a waiting caller aborts", async () => {
    const clock = createManualClock();
    const limiter = new TokenBucketRateLimiter({ requestsPerMinute: 60, requestBurst: 1, maxWaitMs: 10_000, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(0, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(limiter.remaining().requests).toBe(0);
  });

  it("settles token estimates against actual usage", () => {
    const limiter = new TokenBucketRateLimiter({ tokensPerMinute: 1000, clock: createManualClock() });
    const reservation = limiter.reserve(500);
    limiter.settle(reservation, 100);
    expect(limiter.remaining().tokens).toBe(900);
    const second = limiter.reserve(100);
    limiter.settle(second, 300);
    expect(limiter.remaining().tokens).toBe(600);
  });

  it("validates limits", () => {
    expect(() => new TokenBucketRateLimiter({ requestsPerMinute: 0 })).toThrow(RangeError);
    expect(new TokenBucketRateLimiter().remaining()).toEqual({ requests: Infinity, tokens: Infinity });
  });
});

describe("rateLimitMiddleware", () => {
  it("estimates tokens from messages and max_tokens", () => {
    const messages = [{ role: "user", content: "x".repeat(30) }];
    expect(estimateRequestTokens({ messages, max_tokens: 100 })).toBe(Math.ceil(JSON.stringify(messages).length / 4) + 100);
    expect(estimateRequestTokens({ input: "abcd", max_completion_tokens: 7, max_tokens: 1 })).toBe(Math.ceil('"abcd"'.length / 4) + 7);
    expect(estimateRequestTokens("nope")).toBe(0);
  });

  it("reserves, calls, settles with usage, and refunds tokens of failed calls", async () => {
    const clock = createManualClock();
    const limited = rateLimitMiddleware({ tokensPerMinute: 1000, requestsPerMinute: 10, clock, estimateTokens: () => 200 });
    const ok = limited(async () => ({ usage: { total_tokens: 50 } }));
    await ok({}, callOptions());
    expect(limited.limiter.remaining()).toEqual({ requests: 9, tokens: 950 });
    const failing = limited(async () => {
      throw new Error("down");
    });
    await expect(failing({}, callOptions())).rejects.toThrow("down");
    expect(limited.limiter.remaining()).toEqual({ requests: 8, tokens: 950 });
  });

  it("never waits past the call's deadline", async () => {
    const clock = createManualClock();
    const limited = rateLimitMiddleware({ requestsPerMinute: 1, maxWaitMs: 120_000, clock });
    const next = vi.fn(async () => "ok");
    await limited(next)({}, callOptions());
    await expect(limited(next)({}, callOptions({ deadline: clock.now() + 5_000 }))).rejects.toMatchObject({ code: "MM_RATE_LIMIT" });
    expect(next).toHaveBeenCalledTimes(1);
  });
});
