import { createManualClock } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { raceTimeout, timeoutMiddleware, TimeoutError } from "../../src/mixins/timeout.js";
import { withTimeout } from "../../src/mixins/with-mixins.js";
import { callOptions } from "./upstream.js";

const never = <T>() => new Promise<T>(() => {});

describe("withTimeout(promise, ms, signal)", () => {
  it("resolves with the promise when it is in time and clears the timer", async () => {
    const clock = createManualClock();
    await expect(raceTimeout(Promise.resolve(7), 100, undefined, { clock })).resolves.toBe(7);
    expect(clock.pending).toBe(0);
    await expect(withTimeout(Promise.resolve("x"), 1000)).resolves.toBe("x");
  });

  it("rejects with a typed timeout error", async () => {
    const clock = createManualClock();
    const result = raceTimeout(never(), 100, undefined, { clock, operation: "op" });
    clock.advance(100);
    const error = await result.catch((e: unknown) => e);
    expect(TimeoutError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_TIMEOUT_RESPONSE", category: "timeout", retryable: false, timeoutMs: 100 });
    expect((error as Error).message).toBe("[modelmesh] [op] timed out after 100 ms");
  });

  it("rejects with the signal's reason when aborted first", async () => {
    const controller = new AbortController();
    const result = withTimeout(never(), 10_000, controller.signal);
    controller.abort(new Error("user cancelled"));
    await expect(result).rejects.toThrow("user cancelled");
    const aborted = AbortSignal.abort(new Error("already"));
    await expect(withTimeout(Promise.resolve(1), 10, aborted)).rejects.toThrow("already");
  });

  it("passes the promise's own rejection through", async () => {
    await expect(withTimeout(Promise.reject(new Error("own")), 1000)).rejects.toThrow("own");
  });
});

describe("timeoutMiddleware", () => {
  it("aborts the wrapped call's signal on timeout", async () => {
    const clock = createManualClock();
    let seen: AbortSignal | undefined;
    const call = timeoutMiddleware({ ms: 50, clock })((_req, options) => {
      seen = options.signal;
      return never();
    });
    const result = call("r", callOptions());
    await Promise.resolve();
    clock.advance(50);
    await expect(result).rejects.toMatchObject({ code: "MM_TIMEOUT_RESPONSE" });
    expect(seen?.aborted).toBe(true);
  });

  it("is bounded by the deadline, reporting MM_DEADLINE_EXCEEDED", async () => {
    const clock = createManualClock();
    const call = timeoutMiddleware({ ms: 10_000, clock })(() => never());
    const result = call("r", callOptions({ deadline: clock.now() + 20 }));
    clock.advance(20);
    await expect(result).rejects.toMatchObject({ code: "MM_DEADLINE_EXCEEDED", timeoutMs: 20 });
  });

  it("forwards the caller's abort to the wrapped call", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = timeoutMiddleware({ ms: 10_000, clock: createManualClock() })((_req, options) => {
      seen = options.signal;
      return never();
    });
    const result = call("r", callOptions({ signal: controller.signal }));
    await Promise.resolve();
    controller.abort(new Error("stop"));
    await expect(result).rejects.toThrow("stop");
    expect(seen?.aborted).toBe(true);
  });
});
