/**
 * The attempt scope is the one owner of a routed call's timing (docs/ARCHITECTURE.md §2.5): deadline, first-token
 * or response budget, and idle gaps, on a single timer that is not re-armed per chunk.
 */
import { describe, expect, it } from "vitest";
import { LazyAbort, watchSignal } from "../src/internal/abort.js";
import { createManualClock, type Clock } from "../src/internal/clock.js";
import { AttemptScope, type AttemptScopeOptions } from "../src/router/attempt.js";

const route = { id: "p/m", providerId: "p" };

/** A manual clock that counts the timers set on it. */
function countingClock() {
  const clock = createManualClock();
  let count = 0;
  return {
    now: () => clock.now(),
    setTimer: (fn: () => void, ms: number) => {
      count++;
      return clock.setTimer(fn, ms);
    },
    advance: (ms: number) => clock.advance(ms),
    pending: () => clock.pending,
    timersSet: () => count,
  };
}

function scopeOn(clock: Clock, options: Partial<AttemptScopeOptions> = {}): AttemptScope {
  return new AttemptScope(clock, { deadline: clock.now() + 10_000, budgetMs: 1_000, budgetCode: "MM_TIMEOUT_FIRST_TOKEN", idleMs: 300, route, ...options });
}

function codeOf(scope: AttemptScope): string | undefined {
  return (scope.abortError as { code?: string } | undefined)?.code;
}

describe("AttemptScope", () => {
  it("aborts with the budget's code when no output came within the budget", () => {
    const clock = createManualClock();
    const scope = scopeOn(clock);
    clock.advance(999);
    expect(scope.signal.aborted).toBe(false);
    clock.advance(1);
    expect(scope.cause).toBe("attempt-timeout");
    expect(codeOf(scope)).toBe("MM_TIMEOUT_FIRST_TOKEN");
  });

  it("aborts at the deadline when it comes before the budget, and says so", () => {
    const clock = createManualClock();
    const scope = scopeOn(clock, { deadline: clock.now() + 500 });
    clock.advance(500);
    expect(scope.cause).toBe("deadline");
    expect(codeOf(scope)).toBe("MM_DEADLINE_EXCEEDED");
  });

  it("bounds the gaps once output started: progress keeps it alive, silence ends it with MM_TIMEOUT_IDLE", () => {
    const clock = createManualClock();
    const scope = scopeOn(clock);
    clock.advance(200);
    scope.outputStarted();
    for (let i = 0; i < 20; i++) {
      clock.advance(250);
      scope.touch();
    }
    // 5 s in, far past the 1 s budget: the budget ended with the first output.
    expect(scope.signal.aborted).toBe(false);
    clock.advance(299);
    expect(scope.signal.aborted).toBe(false);
    clock.advance(1);
    expect(codeOf(scope)).toBe("MM_TIMEOUT_IDLE");
    expect((scope.abortError as Error).message).toMatch(/stream from p\/m stalled: no chunk for 300 ms/);
  });

  it("sets no timer per chunk: a thousand chunks cost a handful of timers", () => {
    const clock = countingClock();
    const scope = scopeOn(clock, { deadline: clock.now() + 60_000 });
    scope.committed();
    const before = clock.timersSet();
    for (let i = 0; i < 1_000; i++) {
      scope.resumeIdle();
      clock.advance(10);
      scope.pauseIdle();
    }
    // 10 s of chunks every 10 ms under a 300 ms idle limit: the timer re-arms about once per idle period.
    expect(clock.timersSet() - before).toBeLessThanOrEqual(40);
    expect(scope.signal.aborted).toBe(false);
    expect(clock.pending()).toBeLessThanOrEqual(1);
  });

  it("does not count the consumer's time: a slow reader is not a stalled upstream", () => {
    const clock = createManualClock();
    const scope = scopeOn(clock);
    scope.committed();
    scope.pauseIdle();
    clock.advance(5_000);
    expect(scope.signal.aborted).toBe(false);
    scope.resumeIdle();
    clock.advance(299);
    expect(scope.signal.aborted).toBe(false);
    clock.advance(1);
    expect(codeOf(scope)).toBe("MM_TIMEOUT_IDLE");
  });

  it("a committed stream is no longer bounded by the deadline", () => {
    const clock = createManualClock();
    const scope = scopeOn(clock, { deadline: clock.now() + 500 });
    scope.committed();
    for (let i = 0; i < 10; i++) {
      clock.advance(200);
      scope.touch();
    }
    expect(scope.signal.aborted).toBe(false);
  });

  it("a non-streamed body: idle starts with the headers and the response budget still bounds the whole", () => {
    const clock = createManualClock();
    const scope = scopeOn(clock, { budgetMs: 2_000, budgetCode: "MM_TIMEOUT_RESPONSE", idleSubject: "response body" });
    clock.advance(1_000);
    scope.startIdle();
    for (let i = 0; i < 4; i++) {
      clock.advance(250);
      scope.touch();
    }
    expect(codeOf(scope)).toBe("MM_TIMEOUT_RESPONSE");
    const stalled = scopeOn(clock, { budgetMs: 2_000, budgetCode: "MM_TIMEOUT_RESPONSE", idleSubject: "response body" });
    stalled.startIdle();
    clock.advance(300);
    expect(codeOf(stalled)).toBe("MM_TIMEOUT_IDLE");
    expect((stalled.abortError as Error).message).toMatch(/response body from p\/m stalled: no data for 300 ms/);
  });

  it("links the caller's signal, and dispose() leaves no timer and no listener", () => {
    const clock = createManualClock();
    const caller = new AbortController();
    const scope = scopeOn(clock, { caller: watchSignal(caller.signal) });
    scope.dispose();
    expect(clock.pending).toBe(0);
    caller.abort();
    expect(scope.signal.aborted).toBe(false);
    const live = scopeOn(clock, { caller: watchSignal(caller.signal) });
    expect(live.cause).toBe("caller");
    expect(codeOf(live)).toBe("MM_ABORTED");
    expect(clock.pending).toBe(0);
  });

  it("aborts its watch listeners, its pending races and a signal read before or after, all with one reason", async () => {
    const clock = createManualClock();
    const scope = scopeOn(clock, { budgetMs: 100, budgetCode: "MM_TIMEOUT_RESPONSE" });
    const early = scope.signal;
    const seen: unknown[] = [];
    scope.onAbort((reason) => seen.push(reason));
    const raced = scope.race(new Promise(() => {}));
    clock.advance(100);
    const reason = scope.abortError;
    expect((reason as { code?: string }).code).toBe("MM_TIMEOUT_RESPONSE");
    expect(seen).toEqual([reason]);
    expect(early.aborted && early.reason === reason).toBe(true);
    expect(scope.signal.reason).toBe(reason);
    expect(scope.aborted && scope.reason === reason).toBe(true);
    await expect(raced).rejects.toBe(reason);
    // Already aborted: a new listener is not called, a new race rejects at once.
    scope.onAbort(() => seen.push("late"));
    await expect(scope.race(Promise.resolve(1))).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });

  it("follows a caller's LazyAbort through plain callbacks", () => {
    const clock = createManualClock();
    const caller = new LazyAbort();
    const scope = scopeOn(clock, { caller });
    caller.abort(new Error("client went away"));
    expect(scope.cause).toBe("caller");
    expect(codeOf(scope)).toBe("MM_ABORTED");
    expect(((scope.abortError as Error).cause as Error).message).toBe("client went away");
  });
});
