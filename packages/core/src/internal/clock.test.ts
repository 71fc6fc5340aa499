import { describe, expect, it, vi } from "vitest";
import { createManualClock, sleep, systemClock } from "./clock.js";

describe("manual clock", () => {
  it("fires timers in order as time advances", async () => {
    const clock = createManualClock(1000);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 50);
    clock.setTimer(() => fired.push(clock.now()), 10);
    const cancel = clock.setTimer(() => fired.push(-1), 20);
    cancel();
    clock.advance(100);
    expect(fired).toEqual([1010, 1050]);
    expect(clock.now()).toBe(1100);
    const done = sleep(clock, 30).then(() => clock.now());
    clock.advance(30);
    await expect(done).resolves.toBe(1130);
    expect(() => clock.set(0)).toThrow(/backwards/);
  });
});

describe("system clock", () => {
  // `hasRef()` on Node's timer reports whether the timer keeps the event loop (the process) alive.
  const handles: Array<{ hasRef(): boolean }> = [];
  const spyOnSetTimeout = () => {
    const original = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms?: number) => {
      const handle = original(fn, ms);
      handles.push(handle as unknown as { hasRef(): boolean });
      return handle;
    }) as typeof setTimeout);
    return spy;
  };

  it("a request-scoped timer (the default) keeps the process alive; a background one does not", () => {
    handles.length = 0;
    const spy = spyOnSetTimeout();
    try {
      const cancelDefault = systemClock.setTimer(() => {}, 60_000);
      const cancelExplicit = systemClock.setTimer(() => {}, 60_000, { background: false });
      const cancelBackground = systemClock.setTimer(() => {}, 60_000, { background: true });
      expect(handles.map((h) => h.hasRef())).toEqual([true, true, false]);
      cancelDefault();
      cancelExplicit();
      cancelBackground();
    } finally {
      spy.mockRestore();
    }
  });

  it("sleep keeps the process alive while pending and clears its timer when aborted", async () => {
    handles.length = 0;
    const spy = spyOnSetTimeout();
    const controller = new AbortController();
    let waiting: Promise<void>;
    try {
      waiting = sleep(systemClock, 60_000, controller.signal);
    } finally {
      spy.mockRestore();
    }
    expect(handles).toHaveLength(1);
    expect(handles[0]!.hasRef()).toBe(true);
    const cleared = vi.spyOn(globalThis, "clearTimeout");
    try {
      controller.abort(new Error("stop"));
      await expect(waiting).rejects.toThrow("stop");
      // A cleared timer no longer holds the event loop.
      expect(cleared).toHaveBeenCalledWith(handles[0]);
    } finally {
      cleared.mockRestore();
    }
  });

  it("a manual clock accepts the background option and fires the timer like any other", () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push("background"), 10, { background: true });
    clock.setTimer(() => fired.push("request"), 5);
    clock.advance(10);
    expect(fired).toEqual(["request", "background"]);
  });
});
