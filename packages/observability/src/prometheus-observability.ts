/**
 * PrometheusObservability: turns mesh events and request logs into Prometheus metrics held in a
 * {@link MetricsRegistry}; `render()` is the text exposition (0.0.4) for a `/metrics` endpoint.
 *
 * Sources: `request-end` (its routing trace gives pool, model, provider, every attempt and its error
 * category) feeds requests, attempts, errors and latency; `attempt-start` teaches which provider and model a
 * route is, so `attempt-end` (non-streamed) and `stream-end` (streamed usage) feed tokens; route and provider
 * deactivations and recoveries are counted as they come; request-log entries feed cost (the only place cost
 * appears). Statistics flushes and traces are not turned into metrics. In a mesh the `routing` section gets
 * events and the `logging` section request logs: one instance in each, on one registry
 * (`createPrometheusConnector`), counts everything exactly once.
 */
import type { AggregateStats, MeshEvent, ObservabilityConnectorV1, RequestLogEntry, TraceEntry } from "@modelmesh/core";
import { MetricsRegistry, type Counter, type Histogram } from "./metrics-registry.js";

/** Default latency buckets, seconds. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);

/** Options of {@link PrometheusObservability}. */
export interface PrometheusObservabilityOptions {
  /** Connector id. Default `modelmesh.prometheus.v1`. */
  id?: string;
  /** Metric name prefix (`<namespace>_requests_total`). Default `modelmesh`. */
  namespace?: string;
  /** Registry to record into (shared with other metrics of the host). Default: a new one with the bounds below. */
  registry?: MetricsRegistry;
  /** Label sets kept per metric when the registry is created here. Default 1000. */
  maxSeries?: number;
  /** Label values cut to this length when the registry is created here. Default 128. */
  maxLabelLength?: number;
  /** Upper bounds (seconds) of the request latency histogram. Default {@link DEFAULT_LATENCY_BUCKETS}. */
  latencyBuckets?: readonly number[];
  /** Event types counted; empty or absent = all. */
  eventFilter?: readonly string[];
}

/** Routes remembered for token attribution (route id → provider and model). */
const MAX_ROUTES = 10_000;

/** Metrics from mesh events and request logs. */
export class PrometheusObservability implements ObservabilityConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id: string;
  /** The registry the metrics live in. */
  readonly registry: MetricsRegistry;
  readonly #events: ReadonlySet<string>;
  readonly #routes = new Map<string, { provider: string; model: string }>();
  readonly #requests: Counter;
  readonly #attempts: Counter;
  readonly #errors: Counter;
  readonly #latency: Histogram;
  readonly #tokens: Counter;
  readonly #cost: Counter;
  readonly #routeDeactivations: Counter;
  readonly #routeRecoveries: Counter;
  readonly #providerDeactivations: Counter;
  readonly #providerRecoveries: Counter;

  constructor(options: PrometheusObservabilityOptions = {}) {
    this.id = options.id ?? "modelmesh.prometheus.v1";
    const ns = options.namespace ?? "modelmesh";
    this.registry =
      options.registry ??
      new MetricsRegistry({ maxSeries: options.maxSeries ?? 1000, maxLabelLength: options.maxLabelLength ?? 128, overflowMetric: `${ns}_metrics_series_overflow_total` });
    this.#events = new Set(options.eventFilter ?? []);
    const r = this.registry;
    const target = ["pool", "model", "provider"];
    this.#requests = r.counter(`${ns}_requests_total`, "Requests by pool, answering model and provider, and outcome.", [...target, "outcome"]);
    this.#attempts = r.counter(`${ns}_attempts_total`, "Upstream attempts by pool, model, provider and outcome.", [...target, "outcome"]);
    this.#errors = r.counter(`${ns}_errors_total`, "Failed upstream attempts by pool, model, provider and error category.", [...target, "category"]);
    this.#latency = r.histogram(`${ns}_request_duration_seconds`, "Request latency in seconds, all attempts included.", [...target, "outcome"], options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS);
    this.#tokens = r.counter(`${ns}_tokens_total`, "Tokens by model, provider and direction (in = prompt, out = completion).", ["model", "provider", "direction"]);
    this.#cost = r.counter(`${ns}_cost_usd_total`, "Cost in US dollars from request logs, by pool, model and provider.", target);
    this.#routeDeactivations = r.counter(`${ns}_route_deactivations_total`, "Routes sent to standby, by route and reason.", ["route", "reason"]);
    this.#routeRecoveries = r.counter(`${ns}_route_recoveries_total`, "Routes back in service, by route and trigger.", ["route", "trigger"]);
    this.#providerDeactivations = r.counter(`${ns}_provider_deactivations_total`, "Providers sent to standby, by provider and reason.", ["provider", "reason"]);
    this.#providerRecoveries = r.counter(`${ns}_provider_recoveries_total`, "Providers back in service, by provider and trigger.", ["provider", "trigger"]);
  }

  /** The text exposition of every metric of the registry. */
  render(): string {
    return this.registry.render();
  }

  /** Updates the metrics an event feeds. Never throws. */
  emit(event: MeshEvent): void {
    try {
      if (!event || (this.#events.size > 0 && !this.#events.has(event.type))) return;
      this.#onEvent(event);
    } catch {
      // Odd input (a hand-built event missing fields) must never break routing.
    }
  }

  /** Adds the entry's cost. Never throws. */
  log(entry: RequestLogEntry): void {
    if (!entry || !(typeof entry.costUsd === "number" && entry.costUsd > 0)) return;
    this.#cost.inc({ pool: str(entry.poolId), model: str(entry.modelId), provider: str(entry.providerId) }, entry.costUsd);
  }

  /** Statistics are already aggregates: not turned into metrics. */
  flush(_stats: Record<string, AggregateStats>): void {}

  /** Traces are not turned into metrics. */
  trace(_entry: TraceEntry): void {}

  /** Nothing to release (the registry stays readable). */
  async close(): Promise<void> {}

  #onEvent(event: MeshEvent): void {
    switch (event.type) {
      case "attempt-start":
        this.#remember(event.routeId, event.providerId, event.modelId);
        return;
      case "attempt-end":
        this.#addTokens(event.routeId, event.promptTokens, event.completionTokens);
        return;
      case "stream-end":
        if (event.usage) this.#addTokens(event.routeId, event.usage.prompt_tokens, event.usage.completion_tokens);
        return;
      case "request-end": {
        const trace = event.trace;
        const pool = str(trace?.resolution?.poolId);
        const last = trace?.final ?? trace?.attempts?.at(-1);
        const outcome = event.ok ? "success" : "error";
        const labels = { pool, model: str(last?.modelId), provider: str(last?.providerId), outcome };
        this.#requests.inc(labels);
        if (typeof event.latencyMs === "number") this.#latency.observe(labels, event.latencyMs / 1000);
        for (const attempt of trace?.attempts ?? []) {
          const target = { pool, model: str(attempt.modelId), provider: str(attempt.providerId) };
          this.#attempts.inc({ ...target, outcome: attempt.ok ? "success" : "error" });
          if (!attempt.ok) this.#errors.inc({ ...target, category: str(attempt.error?.category ?? "unknown") });
        }
        return;
      }
      case "route-deactivated":
        this.#routeDeactivations.inc({ route: str(event.routeId), reason: str(event.reason) });
        return;
      case "route-recovered":
        this.#routeRecoveries.inc({ route: str(event.routeId), trigger: str(event.trigger) });
        return;
      case "provider-deactivated":
        this.#providerDeactivations.inc({ provider: str(event.providerId), reason: str(event.reason) });
        return;
      case "provider-recovered":
        this.#providerRecoveries.inc({ provider: str(event.providerId), trigger: str(event.trigger) });
        return;
      default:
        return;
    }
  }

  #remember(routeId: string, provider: string, model: string): void {
    if (this.#routes.has(routeId)) return;
    // Oldest first out: route ids are config-bounded in practice; the cap only guards against odd input.
    if (this.#routes.size >= MAX_ROUTES) this.#routes.delete(this.#routes.keys().next().value!);
    this.#routes.set(routeId, { provider: str(provider), model: str(model) });
  }

  #addTokens(routeId: string, tokensIn: number, tokensOut: number): void {
    const route = this.#routes.get(routeId) ?? { provider: "", model: "" };
    if (tokensIn > 0) this.#tokens.inc({ ...route, direction: "in" }, tokensIn);
    if (tokensOut > 0) this.#tokens.inc({ ...route, direction: "out" }, tokensOut);
  }
}

function str(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}
