import { createManualClock, ModelMeshError, ProviderError } from "@modelmesh/core";
import { describe, expect, it, vi } from "vitest";
import { computeRetryDelay, retryMiddleware } from "../../src/mixins/retry.js";
import { callOptions } from "./upstream.js";

const serverError = (retryAfterMs?: number) =>
  new ProviderError({ message: "boom", code: "MM_SERVER", category: "server", status: 503, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("computeRetryDelay", () => {
  it("uses full jitter under an exponential ceiling capped by maxDelayMs", () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(computeRetryDelay(1, { ...opts, random: () => 0.999 })).toBe(99);
    expect(computeRetryDelay(3, { ...opts, random: () => 0.5 })).toBe(200);
    expect(computeRetryDelay(10, { ...opts, random: () => 0.5 })).toBe(500);
    expect(computeRetryDelay(2, { ...opts, random: () => 0 })).toBe(0);
  });

  it("replaces backoff with Retry-After plus at most 10 % (≤ 1 s) jitter", () => {
    expect(computeRetryDelay(1, { retryAfterMs: 2000, random: () => 0 })).toBe(2000);
    expect(computeRetryDelay(1, { retryAfterMs: 2000, random: () => 0.5 })).toBe(2100);
    expect(computeRetryDelay(1, { retryAfterMs: 60_000, random: () => 1 })).toBe(61_000);
  });
});

describe("retryMiddleware", () => {
  it("retries retryable errors after the computed delays on the injected clock", async () => {
    const clock = createManualClock();
    const next = vi.fn().mockRejectedValueOnce(serverError()).mockRejectedValueOnce(serverError()).mockResolvedValue("ok");
    const delays: number[] = [];
    const call = retryMiddleware({ maxAttempts: 3, baseDelayMs: 100, random: () => 0.5, clock, onRetry: (i) => delays.push(i.delayMs) })(next);
    const result = call("req", callOptions());
    await flush();
    expect(next).toHaveBeenCalledTimes(1);
    clock.advance(50);
    await flush();
    expect(next).toHaveBeenCalledTimes(2);
    clock.advance(100);
    await expect(result).resolves.toBe("ok");
    expect(next).toHaveBeenCalledTimes(3);
    expect(delays).toEqual([50, 100]);
  });

  it("rethrows the original error after maxAttempts", async () => {
    const error = serverError();
    const next = vi.fn().mockRejectedValue(error);
    const call = retryMiddleware({ maxAttempts: 2, random: () => 0, clock: createManualClock() })(next);
    await expect(call("r", callOptions())).rejects.toBe(error);
    expect(next).toHaveBeenCalledTimes(2);
  });

  it("does not retry non-retryable or foreign errors by default", async () => {
    const invalid = new ModelMeshError({ message: "bad", code: "MM_INVALID_REQUEST", category: "invalid_request" });
    const next = vi.fn().mockRejectedValue(invalid);
    await expect(retryMiddleware({ clock: createManualClock() })(next)("r", callOptions())).rejects.toBe(invalid);
    const foreign = vi.fn().mockRejectedValue(new Error("plain"));
    await expect(retryMiddleware({ clock: createManualClock() })(foreign)("r", callOptions())).rejects.toThrow("plain");
    expect(next).toHaveBeenCalledTimes(1);
    expect(foreign).toHaveBeenCalledTimes(1);
  });

  it("lets shouldRetry override the classification", async () => {
    const next = vi.fn().mockRejectedValueOnce(new Error("plain")).mockResolvedValue(1);
    const call = retryMiddleware({ shouldRetry: (e, attempt) => (e as Error).message === "plain" && attempt < 2, random: () => 0, clock: createManualClock() })(next);
    await expect(call("r", callOptions())).resolves.toBe(1);
  });

  it("waits for a Retry-After that fits the deadline", async () => {
    const clock = createManualClock();
    const next = vi.fn().mockRejectedValueOnce(serverError(1000)).mockResolvedValue("ok");
    const result = retryMiddleware({ random: () => 0, clock })(next)("r", callOptions({ deadline: clock.now() + 5000 }));
    await flush();
    clock.advance(999);
    await flush();
    expect(next).toHaveBeenCalledTimes(1);
    clock.advance(1);
    await expect(result).resolves.toBe("ok");
  });

  it("surfaces the error at once when Retry-After would pass the deadline or the cap", async () => {
    const clock = createManualClock();
    const error = serverError(5000);
    const next = vi.fn().mockRejectedValue(error);
    await expect(retryMiddleware({ random: () => 0, clock })(next)("r", callOptions({ deadline: clock.now() + 4000 }))).rejects.toBe(error);
    expect(next).toHaveBeenCalledTimes(1);
    const capped = vi.fn().mockRejectedValue(serverError(120_000));
    await expect(retryMiddleware({ random: () => 0, clock, maxRetryAfterMs: 60_000 })(capped)("r", callOptions())).rejects.toMatchObject({ retryAfterMs: 120_000 });
    expect(capped).toHaveBeenCalledTimes(1);
  });

  it("stops waiting when the caller aborts", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const next = vi.fn().mockRejectedValue(serverError());
    const result = retryMiddleware({ baseDelayMs: 1000, random: () => 0.5, clock })(next)("r", callOptions({ signal: controller.signal }));
    await flush();
    controller.abort(new Error("cancelled by caller"));
    await expect(result).rejects.toThrow("cancelled by caller");
    expect(next).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });
});
