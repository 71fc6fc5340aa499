import type { Clock } from "@modelmesh/core";

/**
 * The demo's clock, shared by the mesh and the mock providers, so that "primary is down for 3.5 s" and
 * "cooldown 1.3 s" are measured on the same time line.
 *
 * Story time starts at noon UTC of the current day, so the free tier's midnight quota reset never falls inside
 * a run. In paced mode it then follows real time. In fast mode it moves only when
 * {@link StoryClock.advanceTo} jumps it forward: requests take no story time at all, which makes the
 * sequence of events exact however slow the machine is (timers still run in real time, so a retry backoff
 * or a timeout still happens, it just does not move the story).
 */
export interface StoryClock extends Clock {
  /** Story time at which the run started (epoch ms). */
  readonly startedAt: number;
  /** Milliseconds of story time since the start. */
  elapsed(): number;
  /**
   * Brings story time to `startedAt + storyMs`: waits for it (paced mode, calling `onTick` about every
   * `tickMs`) or jumps to it (fast mode). Never moves time backwards. Rejects with the signal's reason.
   */
  advanceTo(storyMs: number, options?: { signal?: AbortSignal; onTick?: () => void; tickMs?: number }): Promise<void>;
}

/** Creates the story clock; `fast` jumps instead of waiting. */
export function createStoryClock(options: { fast: boolean }): StoryClock {
  const realStart = Date.now();
  const noon = new Date(realStart);
  noon.setUTCHours(12, 0, 0, 0);
  const startedAt = noon.getTime();
  let virtual = 0;
  const now = options.fast ? () => startedAt + virtual : () => startedAt + (Date.now() - realStart);

  return {
    startedAt,
    now,
    elapsed: () => now() - startedAt,
    setTimer(fn, ms, timerOptions) {
      // Durations are real: only the origin of the time line is shifted. Like the system clock, a
      // request-scoped timer keeps the process alive while pending; a background one does not.
      const handle = setTimeout(fn, ms);
      if (timerOptions?.background === true) handle.unref();
      return () => clearTimeout(handle);
    },
    async advanceTo(storyMs, { signal, onTick, tickMs = 100 } = {}) {
      signal?.throwIfAborted();
      if (options.fast) {
        virtual = Math.max(virtual, storyMs);
        return;
      }
      const target = startedAt + storyMs;
      for (let left = target - now(); left > 0; left = target - now()) {
        await pause(Math.min(left, tickMs), signal);
        onTick?.();
      }
    },
  };
}

/** A plain (referenced) pause: pacing is the demo's own work, so it keeps the process alive. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
