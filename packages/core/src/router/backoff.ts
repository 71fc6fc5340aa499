import type { RetrySettings } from "./types.js";

/**
 * Delay before retry number `retry` (0-based) on the same route. `exponential_jitter` is "full jitter":
 * uniform in [0, min(maxDelay, initial·2^retry)], which spreads synchronized clients best.
 */
export function backoffDelay(settings: RetrySettings, retry: number, random: () => number): number {
  if (settings.backoff === "fixed") return settings.initialDelayMs;
  const ceiling = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** retry);
  if (settings.backoff === "retry_after") return ceiling;
  return Math.floor(random() * ceiling);
}

/** A small seedable PRNG (mulberry32) for deterministic tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
