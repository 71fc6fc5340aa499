/**
 * Adaptive time-to-first-token budgets (docs/routing-defaults.md). A stream attempt whose model has not
 * started to answer within its budget fails over. With `first_token: auto` (the default) the budget of a
 * route is learned from its own observed first-token times: a multiple of their 95th percentile, bounded.
 * A route with too little history gets a default: ordinary chat models 15 s, models flagged `reasoning` 60 s.
 * A configured duration is used as is.
 */

/** A first-token setting: a fixed budget in ms, or `auto` (learned per route). */
export type FirstTokenSetting = number | "auto";

/** Budget of a route with no history, for ordinary chat models. */
export const DEFAULT_FIRST_TOKEN_MS = 15_000;
/** Budget of a route with no history, for models whose features include `reasoning`. */
export const DEFAULT_REASONING_FIRST_TOKEN_MS = 60_000;
/** Samples kept per route (a ring). */
const SAMPLES = 50;
/** Samples needed before the learned budget replaces the default. */
const MIN_SAMPLES = 10;
/** Learned budget = MULTIPLE × p95, clamped to [FLOOR_MS, ceiling]. */
const MULTIPLE = 3;
const FLOOR_MS = 5_000;
/** The learned budget never exceeds this many times the route's no-history default. */
const CEILING_FACTOR = 4;

interface Ring {
  values: Float64Array;
  size: number;
  next: number;
  /** Cached budget; recomputed on the next read after a new sample. */
  budget?: number;
}

/** Per-route first-token history of this process, and the budgets derived from it. */
export class FirstTokenBudgets {
  readonly #rings = new Map<string, Ring>();

  /** Records an observed time to first token (ms) of a successful stream on `routeId`. */
  observe(routeId: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    let ring = this.#rings.get(routeId);
    if (!ring) {
      ring = { values: new Float64Array(SAMPLES), size: 0, next: 0 };
      this.#rings.set(routeId, ring);
    }
    ring.values[ring.next] = ms;
    ring.next = (ring.next + 1) % SAMPLES;
    if (ring.size < SAMPLES) ring.size++;
    ring.budget = undefined;
  }

  /**
   * The budget for one attempt on `routeId`: the configured value when it is a number; with `auto`, the
   * learned budget once the route has enough history, else the default for its kind of model.
   */
  budget(routeId: string, setting: FirstTokenSetting, reasoning: boolean): number {
    if (setting !== "auto") return setting;
    const fallback = reasoning ? DEFAULT_REASONING_FIRST_TOKEN_MS : DEFAULT_FIRST_TOKEN_MS;
    const ring = this.#rings.get(routeId);
    if (!ring || ring.size < MIN_SAMPLES) return fallback;
    if (ring.budget === undefined) {
      const sorted = Array.from(ring.values.subarray(0, ring.size)).sort((a, b) => a - b);
      const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
      ring.budget = Math.round(Math.min(fallback * CEILING_FACTOR, Math.max(FLOOR_MS, p95 * MULTIPLE)));
    }
    return ring.budget;
  }

  /** What the trace says about a budget (for explain and attempt reasons). */
  describe(routeId: string, setting: FirstTokenSetting): string {
    if (setting !== "auto") return "configured";
    const size = this.#rings.get(routeId)?.size ?? 0;
    return size >= MIN_SAMPLES ? `learned from ${size} samples` : "default (no history yet)";
  }
}
