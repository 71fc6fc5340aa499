/**
 * A minimal Prometheus text-exposition registry (format 0.0.4): counters, gauges and histograms with labels.
 * Small enough to own; no client library needed. Started from the proxy's registry (apps/proxy), plus two
 * bounds a long-running process needs: label values are cut to a maximum length, and each metric keeps at
 * most `maxSeries` label sets — samples of a new label set beyond that are dropped and counted in
 * `<overflowMetric>{metric="<name>"}`, so a label fed by unbounded input (a model name from a request) can
 * never grow memory or the exposition without limit.
 */

type Labels = Record<string, string>;

/** Options of {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Label sets kept per metric; samples of further label sets are dropped and counted. Default 10 000. */
  maxSeries?: number;
  /** Label values longer than this many characters are cut (a trailing `…` marks the cut). Default 128. */
  maxLabelLength?: number;
  /** Name of the counter of dropped samples, labelled `metric`. Default `metrics_series_overflow_total`. */
  overflowMetric?: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value (`\`, `"` and newlines). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The key of one series: its label values joined by NUL (which never occurs in a label value here). */
function keyOf(values: readonly string[]): string {
  return values.length === 0 ? "" : values.length === 1 ? values[0]! : values.join("\u0000");
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

/** What every metric gets from its registry: the bounds and where to count an overflow. */
interface MetricLimits {
  maxSeries: number;
  maxLabelLength: number;
  overflow(metric: string): void;
}

const UNLIMITED: MetricLimits = { maxSeries: Infinity, maxLabelLength: Infinity, overflow: () => {} };

/** Common part of every metric. */
abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    protected readonly limits: MetricLimits,
  ) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`[modelmesh] [metrics] invalid metric name '${name}': expected [a-zA-Z_:][a-zA-Z0-9_:]*`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") throw new TypeError(`[modelmesh] [metrics] invalid label name '${label}' of metric '${name}'`);
    }
  }
  abstract readonly kind: "counter" | "gauge" | "histogram";
  protected header(): string {
    return `# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${this.name} ${this.kind}\n`;
  }
  /** Label values of a label object in declaration order (missing labels are empty), cut to the maximum length. */
  protected valuesOf(labels: Labels): string[] {
    const names = this.labelNames;
    const values = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) values[i] = this.cut(labels[names[i]!] ?? "");
    return values;
  }
  protected cut(value: string): string {
    const max = this.limits.maxLabelLength;
    return value.length <= max ? value : `${value.slice(0, Math.max(0, max - 1))}…`;
  }
  /** True when a new series may be added (else the overflow is counted). */
  protected admit(size: number): boolean {
    if (size < this.limits.maxSeries) return true;
    this.limits.overflow(this.name);
    return false;
  }
  abstract render(): string;
}

/** One series of a counter, bound to its label values (hot paths keep it instead of passing label objects). */
export interface CounterSeries {
  /** Adds `by` (default 1; negative values are ignored). */
  inc(by?: number): void;
}

/** One series of a histogram, bound to its label values. */
export interface HistogramSeries {
  /** Records one observation. */
  observe(value: number): void;
}

/** Series handles are cached per label set up to this many; beyond it they are built per call (still correct). */
const MAX_CACHED_SERIES = 10_000;

/**
 * Series handles by label values, one Map level per label: a lookup reads the values' cached string hashes
 * instead of joining them into a new key string per call.
 */
class SeriesCache<T> {
  readonly #root = new Map<string, unknown>();
  #size = 0;

  get(values: readonly string[], create: () => T): T {
    let level = this.#root;
    const last = values.length - 1;
    if (last < 0) return create();
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        if (this.#size >= MAX_CACHED_SERIES) return create();
        next = new Map();
        level.set(values[i]!, next);
      }
      level = next;
    }
    let series = level.get(values[last]!) as T | undefined;
    if (series === undefined) {
      series = create();
      if (this.#size < MAX_CACHED_SERIES) {
        level.set(values[last]!, series);
        this.#size++;
      }
    }
    return series;
  }
}

/** A monotonically increasing counter per label set. */
export class Counter extends Metric {
  readonly kind = "counter" as const;
  readonly #values = new Map<string, { labels: readonly string[]; value: number }>();
  readonly #series = new SeriesCache<CounterSeries>();

  constructor(name: string, help: string, labelNames: readonly string[] = [], limits: MetricLimits = UNLIMITED) {
    super(name, help, labelNames, limits);
  }

  /** Adds `by` (default 1; negative values are ignored). */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) return;
    const values = this.valuesOf(labels);
    this.#add(keyOf(values), values, by);
  }

  /**
   * The series of one label set, values in `labelNames` order. The series appears in the exposition at its
   * first `inc`, as with {@link Counter.inc}.
   */
  labels(...values: string[]): CounterSeries {
    const cut = values.map((value) => this.cut(value));
    return this.#series.get(cut, () => {
      const key = keyOf(cut);
      return { inc: (by = 1) => (by >= 0 ? this.#add(key, cut, by) : undefined) };
    });
  }

  /** The value of one series (0 when absent). */
  get(labels: Labels = {}): number {
    return this.#values.get(keyOf(this.valuesOf(labels)))?.value ?? 0;
  }

  #add(key: string, values: readonly string[], by: number): void {
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else if (this.admit(this.#values.size)) this.#values.set(key, { labels: values, value: by });
  }

  render(): string {
    let out = this.header();
    for (const { labels, value } of this.#values.values()) out += `${this.name}${renderLabels(this.labelNames, labels)} ${formatNumber(value)}\n`;
    return out;
  }
}

/** A value that goes up and down, per label set. `reset()` clears every series (for gauges rebuilt per scrape). */
export class Gauge extends Metric {
  readonly kind = "gauge" as const;
  readonly #values = new Map<string, { labels: readonly string[]; value: number }>();

  constructor(name: string, help: string, labelNames: readonly string[] = [], limits: MetricLimits = UNLIMITED) {
    super(name, help, labelNames, limits);
  }

  /** Sets the value of one series. */
  set(labels: Labels, value: number): void {
    const values = this.labelNames.length === 0 ? NO_VALUES : this.valuesOf(labels);
    const key = keyOf(values);
    if (this.#values.has(key) || this.admit(this.#values.size)) this.#values.set(key, { labels: values, value });
  }

  /** Adds `by` (may be negative) to one series. */
  add(labels: Labels, by: number): void {
    const key = this.labelNames.length === 0 ? "" : keyOf(this.valuesOf(labels));
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.set(labels, by);
  }

  /** The value of one series (undefined when absent). */
  get(labels: Labels = {}): number | undefined {
    return this.#values.get(this.labelNames.length === 0 ? "" : keyOf(this.valuesOf(labels)))?.value;
  }

  /** Drops every series. */
  reset(): void {
    this.#values.clear();
  }

  render(): string {
    let out = this.header();
    for (const { labels, value } of this.#values.values()) out += `${this.name}${renderLabels(this.labelNames, labels)} ${formatNumber(value)}\n`;
    return out;
  }
}

const NO_VALUES: readonly string[] = Object.freeze([]);

interface HistogramEntry {
  labels: readonly string[];
  /** Observations per bucket, NOT cumulative (the exposition sums them up); the last slot is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/** A histogram with fixed upper bounds (seconds for latencies), per label set. */
export class Histogram extends Metric {
  readonly kind = "histogram" as const;
  readonly #buckets: readonly number[];
  readonly #values = new Map<string, HistogramEntry>();
  readonly #series = new SeriesCache<HistogramSeries>();

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[], limits: MetricLimits = UNLIMITED) {
    super(name, help, labelNames, limits);
    if (buckets.length === 0 || buckets.some((b) => !Number.isFinite(b))) throw new TypeError(`[modelmesh] [metrics] histogram '${name}' needs finite bucket bounds`);
    this.#buckets = [...new Set(buckets)].sort((a, b) => a - b);
  }

  /** The bucket upper bounds, ascending. */
  get buckets(): readonly number[] {
    return this.#buckets;
  }

  /** Records one observation. */
  observe(labels: Labels, value: number): void {
    const values = this.valuesOf(labels);
    this.#observe(keyOf(values), values, value);
  }

  /** The series of one label set, values in `labelNames` order (appears in the exposition at its first observation). */
  labels(...values: string[]): HistogramSeries {
    const cut = values.map((value) => this.cut(value));
    return this.#series.get(cut, () => {
      const key = keyOf(cut);
      return { observe: (value: number) => this.#observe(key, cut, value) };
    });
  }

  #observe(key: string, values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) return;
    let entry = this.#values.get(key);
    if (!entry) {
      if (!this.admit(this.#values.size)) return;
      entry = { labels: values, counts: new Array<number>(this.#buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.#values.set(key, entry);
    }
    const buckets = this.#buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string {
    let out = this.header();
    for (const { labels, counts, sum, count } of this.#values.values()) {
      let cumulative = 0;
      this.#buckets.forEach((le, i) => {
        cumulative += counts[i]!;
        out += `${this.name}_bucket${renderLabels(this.labelNames, labels, ["le", formatNumber(le)])} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${renderLabels(this.labelNames, labels, ["le", "+Inf"])} ${count}\n`;
      out += `${this.name}_sum${renderLabels(this.labelNames, labels)} ${formatNumber(sum)}\n`;
      out += `${this.name}_count${renderLabels(this.labelNames, labels)} ${count}\n`;
    }
    return out;
  }
}

/**
 * A set of metrics rendered together. Registering a name again returns the metric already registered when
 * its kind and label names match (so several sinks can share one registry), and throws otherwise.
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  readonly #limits: MetricLimits;
  readonly #overflow: Counter;

  constructor(options: MetricsRegistryOptions = {}) {
    const maxSeries = options.maxSeries ?? 10_000;
    const maxLabelLength = options.maxLabelLength ?? 128;
    if (!(Number.isInteger(maxSeries) && maxSeries >= 1)) throw new TypeError(`[modelmesh] [metrics] maxSeries must be a positive integer, got ${String(maxSeries)}`);
    if (!(Number.isInteger(maxLabelLength) && maxLabelLength >= 1)) throw new TypeError(`[modelmesh] [metrics] maxLabelLength must be a positive integer, got ${String(maxLabelLength)}`);
    // One series per metric at most, so the overflow counter itself needs no bound.
    this.#overflow = new Counter(options.overflowMetric ?? "metrics_series_overflow_total", "Samples dropped because their metric reached its series limit.", ["metric"]);
    this.#limits = { maxSeries, maxLabelLength, overflow: (metric) => this.#overflow.inc({ metric }) };
  }

  /** Registers and returns a counter. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(name, "counter", labelNames, () => new Counter(name, help, labelNames, this.#limits));
  }

  /** Registers and returns a gauge. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(name, "gauge", labelNames, () => new Gauge(name, help, labelNames, this.#limits));
  }

  /** Registers and returns a histogram. */
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.#add(name, "histogram", labelNames, () => new Histogram(name, help, labelNames, buckets, this.#limits));
  }

  /** Samples dropped so far because `metric` had reached its series limit. */
  overflowCount(metric: string): number {
    return this.#overflow.get({ metric });
  }

  /**
   * The text exposition of every metric (HELP and TYPE lines included even before the first sample), then the
   * overflow counter once something overflowed.
   */
  render(): string {
    let out = "";
    for (const metric of this.#metrics.values()) out += metric.render();
    const overflow = this.#overflow.render();
    return overflow.includes(`\n${this.#overflow.name}{`) ? out + overflow : out;
  }

  #add<T extends Metric>(name: string, kind: Metric["kind"], labelNames: readonly string[], make: () => T): T {
    const existing = this.#metrics.get(name);
    if (existing) {
      if (existing.kind !== kind || existing.labelNames.join(",") !== labelNames.join(",")) {
        throw new TypeError(`[modelmesh] [metrics] metric '${name}' is already registered as a ${existing.kind} with labels [${existing.labelNames.join(", ")}]`);
      }
      return existing as T;
    }
    const metric = make();
    this.#metrics.set(name, metric);
    return metric;
  }
}
