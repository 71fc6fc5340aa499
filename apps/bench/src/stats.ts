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

/** Runs a full GC between sides when node was started with --expose-gc, so one side's garbage does not bill the other. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
