/**
 * LazyAbort and watchSignal (docs/ARCHITECTURE.md §2.5): the cheap abort the router hands providers, and the
 * watch over a caller's AbortSignal.
 */
import { describe, expect, it } from "vitest";
import { LazyAbort, watchSignal } from "../src/internal/abort.js";

describe("LazyAbort", () => {
  it("calls its listeners once, in order, with the reason; a removed one is not called", () => {
    const abort = new LazyAbort();
    const calls: string[] = [];
    abort.onAbort((reason) => calls.push(`a:${String(reason)}`));
    const stopB = abort.onAbort(() => calls.push("b"));
    abort.onAbort((reason) => calls.push(`c:${String(reason)}`));
    stopB();
    expect(abort.abort("why")).toBe(true);
    expect(abort.abort("again")).toBe(false);
    expect(calls).toEqual(["a:why", "c:why"]);
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe("why");
  });

  it("removing the first listener keeps the others in order", () => {
    const abort = new LazyAbort();
    const calls: string[] = [];
    const stopA = abort.onAbort(() => calls.push("a"));
    abort.onAbort(() => calls.push("b"));
    abort.onAbort(() => calls.push("c"));
    stopA();
    abort.abort();
    expect(calls).toEqual(["b", "c"]);
  });

  it("gives the AbortController's default reason when none is given", () => {
    const abort = new LazyAbort();
    abort.abort();
    expect(abort.reason).toBeInstanceOf(DOMException);
    expect((abort.reason as DOMException).name).toBe("AbortError");
    expect(abort.signal.reason).toBe(abort.reason);
  });

  it("aborts a signal read before the abort, and hands out an aborted one after it", () => {
    const before = new LazyAbort();
    const signal = before.signal;
    let heard: unknown;
    signal.addEventListener("abort", () => (heard = signal.reason));
    const reason = new Error("stop");
    before.abort(reason);
    expect(heard).toBe(reason);
    const after = new LazyAbort();
    after.abort(reason);
    expect(after.signal.aborted).toBe(true);
    expect(after.signal.reason).toBe(reason);
  });

  it("a throwing listener does not stop the others, and its error is reported afterwards", async () => {
    const abort = new LazyAbort();
    const calls: string[] = [];
    abort.onAbort(() => {
      throw new Error("listener bug");
    });
    abort.onAbort(() => calls.push("second"));
    const reported = new Promise<unknown>((resolve) => {
      const original = globalThis.queueMicrotask;
      globalThis.queueMicrotask = (task) => {
        globalThis.queueMicrotask = original;
        try {
          task();
        } catch (error) {
          resolve(error);
        }
      };
    });
    abort.abort();
    expect(calls).toEqual(["second"]);
    expect(((await reported) as Error).message).toBe("listener bug");
  });
});

describe("watchSignal", () => {
  it("reads the signal's state and listens only while followed", () => {
    const controller = new AbortController();
    const watch = watchSignal(controller.signal);
    expect(watch.aborted).toBe(false);
    const calls: unknown[] = [];
    const stop = watch.onAbort((reason) => calls.push(reason));
    stop();
    watch.onAbort((reason) => calls.push(reason));
    controller.abort("gone");
    expect(calls).toEqual(["gone"]);
    expect(watch.aborted).toBe(true);
    expect(watch.reason).toBe("gone");
    // Already aborted: not called.
    watch.onAbort(() => calls.push("late"));
    expect(calls).toEqual(["gone"]);
  });
});
