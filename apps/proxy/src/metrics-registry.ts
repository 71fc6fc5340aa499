/**
 * A minimal Prometheus text-exposition registry (format 0.0.4): counters, gauges and histograms with labels.
 * Small enough to own; no client library needed for what the proxy exports.
 */

type Labels = Record<string, string>;

/** Escapes a label value (`\`, `"` and newlines). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelKey(names: readonly string[], labels: Labels): string {
  return names.map((n) => labels[n] ?? "").join("\u0000");
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

/** A monotonically increasing counter per label set. */
export class Counter extends Metric {
  readonly kind = "counter" as const;
  readonly #values = new Map<string, { labels: string[]; value: number }>();

  /** Adds `by` (default 1; negative values are ignored). */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) return;
    const key = labelKey(this.labelNames, labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels: this.labelNames.map((n) => labels[n] ?? ""), value: by });
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
  readonly #values = new Map<string, { labels: string[]; value: number }>();

  /** Sets the value of one series. */
  set(labels: Labels, value: number): void {
    const key = labelKey(this.labelNames, labels);
    this.#values.set(key, { labels: this.labelNames.map((n) => labels[n] ?? ""), value });
  }

  /** Adds `by` (may be negative) to one series. */
  add(labels: Labels, by: number): void {
    const key = labelKey(this.labelNames, labels);
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

/** A histogram with fixed upper bounds (seconds for latencies), per label set. */
export class Histogram extends Metric {
  readonly kind = "histogram" as const;
  readonly #buckets: readonly number[];
  readonly #values = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    this.#buckets = [...buckets].sort((a, b) => a - b);
  }

  /** Records one observation. */
  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const key = labelKey(this.labelNames, labels);
    let entry = this.#values.get(key);
    if (!entry) {
      entry = { labels: this.labelNames.map((n) => labels[n] ?? ""), counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
      this.#values.set(key, entry);
    }
    for (let i = 0; i < this.#buckets.length; i++) if (value <= this.#buckets[i]!) entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string {
    let out = this.header();
    for (const { labels, counts, sum, count } of this.#values.values()) {
      this.#buckets.forEach((le, i) => {
        out += `${this.name}_bucket${renderLabels(this.labelNames, labels, ["le", formatNumber(le)])} ${counts[i]}\n`;
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
