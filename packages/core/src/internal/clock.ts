/**
 * Time source used by the router and the state ledger. Injected everywhere so tests drive time with a
 * manual clock instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. Timers never keep a process alive. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer(fn: () => void, ms: number): () => void {
    const handle = setTimeout(fn, ms) as unknown as { unref?: () => void };
    handle.unref?.();
    return () => clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
  },
});

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when aborted. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A clock whose time moves only when told to. Timers fire in order as time advances. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void;
  /** Sets the absolute time (must not go backwards). */
  set(epochMs: number): void;
  /** Number of pending timers. */
  readonly pending: number;
}

/** Creates a manual clock starting at `startMs` (default 2026-01-01T00:00:00Z). */
export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const fireDue = () => {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers) if (entry[1].at <= now && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) return;
      timers.delete(next[0]);
      next[1].fn();
    }
  };
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => void timers.delete(id);
    },
    advance(ms) {
      const target = now + ms;
      // Step through timer deadlines so each fires with `now` at its own due time.
      for (;;) {
        let nextAt = Infinity;
        for (const t of timers.values()) if (t.at < nextAt) nextAt = t.at;
        if (nextAt > target) break;
        now = Math.max(now, nextAt);
        fireDue();
      }
      now = target;
    },
    set(epochMs) {
      if (epochMs < now) throw new Error("[modelmesh] [clock] a manual clock cannot go backwards");
      this.advance(epochMs - now);
    },
    get pending() {
      return timers.size;
    },
  };
}
