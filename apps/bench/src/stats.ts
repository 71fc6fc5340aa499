/** Small statistics helpers for benchmark samples. */

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("[modelmesh] [bench] median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds to `digits` decimals (for printing and JSON). */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Times `count` sequential calls of `call`; µs each. */
export async function sample(call: () => Promise<unknown>, count: number): Promise<number[]> {
  const samples = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await call();
    samples[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  return samples;
}

/** Unmeasured calls a side makes at the start of each of its rounds (see {@link settle}). */
export const SETTLE_CALLS = 50;

/**
 * Runs `count` unmeasured calls before a side's measured ones, so its first samples do not pay for the
 * previous side's state (caches, pending garbage, the other side's JIT feedback).
 *
 * The benchmarks used to force a full GC between sides instead (`node --expose-gc`, `gc()`). Measured on
 * Node 20 here, that slows the next ~1,000 requests of the same process about 2x while V8 recovers (MeshClient
 * 476 → 312 µs/request over 1,200 requests after `gc()`, 145-209 µs with no forced GC; the pass-through
 * 280 → 151 vs 85-133), so it billed whichever side ran next for a state no server is ever in.
 */
export async function settle(call: () => Promise<unknown>, count = SETTLE_CALLS): Promise<void> {
  for (let i = 0; i < count; i++) await call();
}
