import { afterEach, describe, expect, it, vi } from "vitest";
import { AttemptScope } from "../router/attempt.js";
import { systemClock } from "./clock.js";
import { COARSE_MIN_MS, COARSE_RESOLUTION_MS, CoarseTimers, coarseTimers } from "./coarse-timers.js";

/** Ref'd timers of this process (`getActiveResourcesInfo` lists one "Timeout" per timer that holds the loop). */
function refedTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("coarse timers", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fire no earlier than asked and at most one resolution step later, in order", () => {
    vi.useFakeTimers({ now: 1_000_003 });
    const timers = new CoarseTimers();
    const fired: Array<[string, number]> = [];
    timers.schedule(() => fired.push(["b", Date.now()]), 5000);
    timers.schedule(() => fired.push(["a", Date.now()]), 2000);
    vi.advanceTimersByTime(1999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(COARSE_RESOLUTION_MS + 1);
    expect(fired.map(([name]) => name)).toEqual(["a"]);
    expect(fired[0]![1]).toBeGreaterThanOrEqual(1_000_003 + 2000);
    expect(fired[0]![1]).toBeLessThanOrEqual(1_000_003 + 2000 + COARSE_RESOLUTION_MS);
    vi.advanceTimersByTime(3000 + COARSE_RESOLUTION_MS);
    expect(fired.map(([name]) => name)).toEqual(["a", "b"]);
    expect(fired[1]![1]).toBeGreaterThanOrEqual(1_000_003 + 5000);
    expect(fired[1]![1]).toBeLessThanOrEqual(1_000_003 + 5000 + COARSE_RESOLUTION_MS);
  });

  it("a cancelled timer never fires; one that throws neither stops the others nor leaves later ones unarmed", () => {
    vi.useFakeTimers({ now: 0 });
    const timers = new CoarseTimers();
    const fired: string[] = [];
    const cancel = timers.schedule(() => fired.push("cancelled"), 1000);
    timers.schedule(() => {
      fired.push("throws");
      throw new Error("boom");
    }, 1000);
    timers.schedule(() => fired.push("same slot"), 1000);
    timers.schedule(() => fired.push("later"), 3000);
    cancel();
    expect(() => vi.advanceTimersByTime(1000 + COARSE_RESOLUTION_MS)).toThrow("boom");
    expect(fired).toEqual(["throws", "same slot"]);
    vi.advanceTimersByTime(2000 + COARSE_RESOLUTION_MS);
    expect(fired).toEqual(["throws", "same slot", "later"]);
  });

  it("hold the process while a timer is pending and let it go within a resolution step of the last cancel", async () => {
    const timers = new CoarseTimers();
    const before = refedTimers();
    const cancelFirst = timers.schedule(() => {}, 60_000);
    expect(refedTimers()).toBe(before + 1);
    const cancelSecond = timers.schedule(() => {}, 90_000);
    // One runtime timer however many are pending.
    expect(refedTimers()).toBe(before + 1);
    cancelFirst();
    cancelSecond();
    // Brought forward, the runtime timer fires, finds nothing pending and is gone: polled, with a bound far above
    // the resolution step.
    const started = performance.now();
    while (refedTimers() > before && performance.now() - started < 2000) await new Promise((resolve) => setImmediate(resolve));
    expect(refedTimers()).toBe(before);
    expect(performance.now() - started).toBeLessThan(2000);
    // A timer scheduled later holds the process again.
    let fired = false;
    const cancelThird = timers.schedule(() => (fired = true), 120_000);
    expect(refedTimers()).toBe(before + 1);
    cancelThird();
    expect(fired).toBe(false);
  });

  it("an attempt scope on the system clock ends at its deadline through them; short limits stay precise", async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const route = { id: "p/m", providerId: "p" };
    const scheduled = vi.spyOn(coarseTimers, "schedule");
    try {
      const long = new AttemptScope(systemClock, { deadline: Date.now() + 2 * COARSE_MIN_MS, budgetCode: "MM_TIMEOUT_RESPONSE", route });
      const short = new AttemptScope(systemClock, { deadline: Date.now() + 50, budgetCode: "MM_TIMEOUT_RESPONSE", route });
      expect(scheduled).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(50);
      expect(short.cause).toBe("deadline");
      vi.advanceTimersByTime(2 * COARSE_MIN_MS - 51);
      expect(long.aborted).toBe(false);
      vi.advanceTimersByTime(1 + COARSE_RESOLUTION_MS);
      expect(long.cause).toBe("deadline");
      expect((long.reason as { code?: string }).code).toBe("MM_DEADLINE_EXCEEDED");
      long.dispose();
      short.dispose();
    } finally {
      scheduled.mockRestore();
    }
  });
});
