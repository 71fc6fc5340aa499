/**
 * A minimal Prometheus text-exposition registry (format 0.0.4): counters, gauges and histograms with labels.
 * Small enough to own; no client library needed for what the proxy exports.
 */

type Labels = Record<string, string>;

/** Escapes a label value (`\`, `"` and newlines). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The label values of a label object, in declaration order (missing labels are empty). */
function valuesOf(names: readonly string[], labels: Labels): string[] {
  const values = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) values[i] = labels[names[i]!] ?? "";
  return values;
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

/** Common part of every metric. */
abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  abstract readonly kind: "counter" | "gauge" | "histogram";
  protected header(): string {
    return `# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${this.name} ${this.kind}\n`;
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

  /** Adds `by` (default 1; negative values are ignored). */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) return;
    const values = valuesOf(this.labelNames, labels);
    this.#add(keyOf(values), values, by);
  }

  /**
   * The series of one label set, values in `labelNames` order. The series appears in the exposition at its
   * first `inc`, as with {@link Counter.inc}.
   */
  labels(...values: string[]): CounterSeries {
    return this.#series.get(values, () => {
      const key = keyOf(values);
      return { inc: (by = 1) => (by >= 0 ? this.#add(key, values, by) : undefined) };
    });
  }

  #add(key: string, values: readonly string[], by: number): void {
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels: values, value: by });
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

  /** Sets the value of one series. */
  set(labels: Labels, value: number): void {
    const values = this.labelNames.length === 0 ? NO_VALUES : valuesOf(this.labelNames, labels);
    this.#values.set(keyOf(values), { labels: values, value });
  }

  /** Adds `by` (may be negative) to one series. */
  add(labels: Labels, by: number): void {
    const key = this.labelNames.length === 0 ? "" : keyOf(valuesOf(this.labelNames, labels));
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.set(labels, by);
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

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    this.#buckets = [...buckets].sort((a, b) => a - b);
  }

  /** Records one observation. */
  observe(labels: Labels, value: number): void {
    const values = valuesOf(this.labelNames, labels);
    this.#observe(keyOf(values), values, value);
  }

  /** The series of one label set, values in `labelNames` order (appears in the exposition at its first observation). */
  labels(...values: string[]): HistogramSeries {
    return this.#series.get(values, () => {
      const key = keyOf(values);
      return { observe: (value: number) => this.#observe(key, values, value) };
    });
  }

  #observe(key: string, values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) return;
    let entry = this.#values.get(key);
    if (!entry) {
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

/** A set of metrics rendered together. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  /** Registers and returns a counter. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  /** Registers and returns a gauge. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }

  /** Registers and returns a histogram. */
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  /** The text exposition of every metric (HELP and TYPE lines included even before the first sample). */
  render(): string {
    return this.#metrics.map((m) => m.render()).join("");
  }

  #add<T extends Metric>(metric: T): T {
    this.#metrics.push(metric);
    return metric;
  }
}
