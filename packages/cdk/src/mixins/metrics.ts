/**
 * Per-key call metrics: counts, error rate, latency histogram and percentiles, throughput. Percentiles
 * come from a bounded reservoir of the most recent latencies (exact over that window); the histogram uses
 * fixed cumulative buckets in Prometheus style so it can be exported as-is.
 */
import { isModelMeshError, systemClock, type Clock } from "@modelmesh/core";
import type { ProviderMiddleware } from "./middleware.js";

/** Default latency bucket upper bounds, in ms. */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

/** Metrics of one key (a model, a provider, an operation…). */
export interface MetricsSnapshot {
  requests: number;
  successes: number;
  failures: number;
  /** failures / requests (0 when there were none). */
  errorRate: number;
  /** Failures by error code (`MM_SERVER`, …; `unknown` for foreign errors). */
  errorsByCode: Record<string, number>;
  tokens: number;
  latency: { count: number; minMs: number; maxMs: number; meanMs: number; p50Ms: number; p95Ms: number; p99Ms: number };
  /** Cumulative bucket counts: `le` upper bound (ms, `Infinity` last) → calls at or below it. */
  histogram: Array<{ le: number; count: number }>;
  /** Calls per second over the throughput window. */
  throughputPerSec: number;
}

/** Options of {@link MetricsCollector}. */
export interface MetricsOptions {
  /** Histogram bucket upper bounds in ms (ascending). */
  bucketsMs?: readonly number[];
  /** Latencies kept per key for percentiles. Default 1000. */
  reservoirSize?: number;
  /** Window over which throughput is computed, in ms. Default 60 000. */
  throughputWindowMs?: number;
  /** Time source. Default: the system clock. */
  clock?: Clock;
}

class Series {
  requests = 0;
  successes = 0;
  failures = 0;
  tokens = 0;
  latencySum = 0;
  minMs = Infinity;
  maxMs = 0;
  errorsByCode: Record<string, number> = {};
  readonly buckets: number[];
  readonly reservoir: number[] = [];
  reservoirNext = 0;
  /** Completions per second for throughput, oldest first: [second start (epoch ms), count]. */
  readonly seconds: Array<[number, number]> = [];
  constructor(bucketCount: number) {
    this.buckets = new Array<number>(bucketCount + 1).fill(0);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

/** Collects call metrics per key. */
export class MetricsCollector {
  readonly #series = new Map<string, Series>();
  readonly #bounds: readonly number[];
  readonly #reservoirSize: number;
  readonly #windowMs: number;
  readonly #clock: Clock;

  constructor(options: MetricsOptions = {}) {
    this.#bounds = [...(options.bucketsMs ?? DEFAULT_LATENCY_BUCKETS_MS)].sort((a, b) => a - b);
    this.#reservoirSize = Math.max(1, options.reservoirSize ?? 1000);
    this.#windowMs = Math.max(1, options.throughputWindowMs ?? 60_000);
    this.#clock = options.clock ?? systemClock;
  }

  /** Records one finished call. */
  record(key: string, sample: { ok: boolean; latencyMs: number; tokens?: number; errorCode?: string }): void {
    let series = this.#series.get(key);
    if (!series) {
      series = new Series(this.#bounds.length);
      this.#series.set(key, series);
    }
    const latency = Math.max(0, sample.latencyMs);
    series.requests++;
    if (sample.ok) series.successes++;
    else {
      series.failures++;
      const code = sample.errorCode ?? "unknown";
      series.errorsByCode[code] = (series.errorsByCode[code] ?? 0) + 1;
    }
    series.tokens += sample.tokens ?? 0;
    series.latencySum += latency;
    series.minMs = Math.min(series.minMs, latency);
    series.maxMs = Math.max(series.maxMs, latency);
    const bucket = this.#bounds.findIndex((bound) => latency <= bound);
    series.buckets[bucket === -1 ? this.#bounds.length : bucket]!++;
    if (series.reservoir.length < this.#reservoirSize) series.reservoir.push(latency);
    else series.reservoir[series.reservoirNext] = latency;
    series.reservoirNext = (series.reservoirNext + 1) % this.#reservoirSize;
    const second = Math.floor(this.#clock.now() / 1000) * 1000;
    const last = series.seconds[series.seconds.length - 1];
    if (last && last[0] === second) last[1]++;
    else series.seconds.push([second, 1]);
    this.#prune(series);
  }

  /** Metrics of one key (zeros when nothing was recorded). */
  snapshot(key: string): MetricsSnapshot {
    const series = this.#series.get(key) ?? new Series(this.#bounds.length);
    this.#prune(series);
    const sorted = [...series.reservoir].sort((a, b) => a - b);
    let cumulative = 0;
    const histogram = series.buckets.map((count, i) => ({ le: this.#bounds[i] ?? Infinity, count: (cumulative += count) }));
    return {
      requests: series.requests,
      successes: series.successes,
      failures: series.failures,
      errorRate: series.requests === 0 ? 0 : series.failures / series.requests,
      errorsByCode: { ...series.errorsByCode },
      tokens: series.tokens,
      latency: {
        count: series.requests,
        minMs: series.requests === 0 ? 0 : series.minMs,
        maxMs: series.maxMs,
        meanMs: series.requests === 0 ? 0 : series.latencySum / series.requests,
        p50Ms: percentile(sorted, 0.5),
        p95Ms: percentile(sorted, 0.95),
        p99Ms: percentile(sorted, 0.99),
      },
      histogram,
      throughputPerSec: series.seconds.reduce((sum, [, count]) => sum + count, 0) / (this.#windowMs / 1000),
    };
  }

  /** Keys with recorded metrics. */
  keys(): string[] {
    return [...this.#series.keys()];
  }

  /** Snapshots of every key. */
  all(): Record<string, MetricsSnapshot> {
    return Object.fromEntries(this.keys().map((key) => [key, this.snapshot(key)]));
  }

  /** Forgets everything. */
  reset(): void {
    this.#series.clear();
  }

  #prune(series: Series): void {
    const cutoff = this.#clock.now() - this.#windowMs;
    let drop = 0;
    // Second-granularity buckets: a bucket leaves the window once its whole second is older than the cutoff.
    while (drop < series.seconds.length && series.seconds[drop]![0] + 1000 <= cutoff) drop++;
    if (drop > 0) series.seconds.splice(0, drop);
  }
}

/** Options of {@link metricsMiddleware}. */
export interface MetricsMiddlewareOptions<Req = any, Res = any> extends MetricsOptions {
  /** Use this collector (to share it or read it). */
  metrics?: MetricsCollector;
  /** Key of a call. Default: `request.model`, else `default`. */
  key?: (request: Req) => string;
  /** Tokens of a response. Default `usage.total_tokens`. */
  tokens?: (response: Res) => number | undefined;
}

/** A metrics middleware; `metrics` exposes the collector. */
export type MetricsMiddleware<Req = any, Res = any> = ProviderMiddleware<Req, Res> & { readonly metrics: MetricsCollector };

/**
 * Records latency, outcome, error code and tokens of every call.
 *
 * @example
 * const measured = metricsMiddleware();
 * measured.metrics.snapshot("gpt-4o").latency.p95Ms;
 */
export function metricsMiddleware<Req = any, Res = any>(options: MetricsMiddlewareOptions<Req, Res> = {}): MetricsMiddleware<Req, Res> {
  const metrics = options.metrics ?? new MetricsCollector(options);
  const clock = options.clock ?? systemClock;
  const keyOf = options.key ?? ((request: Req) => String((request as { model?: unknown } | null)?.model ?? "default"));
  const tokensOf = options.tokens ?? ((response: Res) => (response as { usage?: { total_tokens?: number } } | null)?.usage?.total_tokens);
  const middleware: ProviderMiddleware<Req, Res> = (next) => async (request, callOptions) => {
    const key = keyOf(request);
    const started = clock.now();
    try {
      const response = await next(request, callOptions);
      metrics.record(key, { ok: true, latencyMs: clock.now() - started, tokens: tokensOf(response) ?? 0 });
      return response;
    } catch (error) {
      metrics.record(key, { ok: false, latencyMs: clock.now() - started, errorCode: isModelMeshError(error) ? error.code : "unknown" });
      throw error;
    }
  };
  return Object.assign(middleware, { metrics });
}
