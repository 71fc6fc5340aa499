import { watchSignal, type AbortWatch } from "./abort.js";

/** Options of {@link Clock.setTimer}. */
export interface TimerOptions {
  /**
   * A background schedule (periodic sync, discovery polling, recovery and maintenance timers): it must not
   * keep a process alive on its own. Default `false`: the timer is request-scoped (a retry backoff, a
   * Retry-After wait, a deadline, a first-token or idle timeout) and keeps the process alive while pending,
   * so a plain script awaiting a request is not ended by the runtime mid-request. Request-scoped timers must be
   * cancelled once their request settles, or they hold the process open until they fire.
   */
  background?: boolean;
}

/**
 * Time source used by the router and the state ledger. Injected everywhere so tests drive time with a
 * manual clock instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Calls `fn` after `ms`; returns a cancel function. A pending timer keeps the process alive unless
   * `options.background` is true (see {@link TimerOptions}). Clocks without real timers ignore `options`.
   */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): () => void;
}

/** The real clock: request-scoped timers are referenced, background ones unref'd. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer(fn: () => void, ms: number, options?: TimerOptions): () => void {
    const handle = setTimeout(fn, ms);
    // `unref` exists on Node, Bun and Deno timers; browsers return a number and have no process to keep alive.
    if (options?.background === true) (handle as unknown as { unref?: () => void }).unref?.();
    return () => clearTimeout(handle);
  },
});

/**
 * Resolves after `ms` on `clock`, or rejects with the abort's reason when `signal` (an AbortSignal or an
 * {@link AbortWatch}) aborts. The wait is request-scoped: it keeps the process alive until it resolves or is
 * aborted (the timer is cancelled on abort).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal | AbortWatch): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  const watch = signal === undefined || "onAbort" in signal ? signal : watchSignal(signal);
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined;
    const cancel = clock.setTimer(() => {
      stop?.();
      resolve();
    }, ms);
    stop = watch?.onAbort((reason) => {
      cancel();
      reject(reason);
    });
  });
}

/** A clock whose time moves only when told to. Timers fire in order as time advances; `background` is ignored. */
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
