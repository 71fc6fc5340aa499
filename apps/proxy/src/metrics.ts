/**
 * The proxy's Prometheus metrics, fed by the core's typed events (requests, attempts, rotations, state
 * changes) plus what only the proxy sees (HTTP statuses, in-flight requests, open streams, streamed usage).
 * Route and provider gauges are read from the ledger at scrape time.
 */
import type { CompletionUsage, Mesh, MeshEvent, MeshEventBus, MeshEventType } from "@modelmesh/core";
import { MetricsRegistry, type CounterSeries, type HistogramSeries } from "@modelmesh/observability";
import { routesHealth } from "./state.js";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** `<provider>/<model>` → its parts (provider ids never contain `/`). */
function routeParts(routeId: string): { provider: string; model: string } {
  const slash = routeId.indexOf("/");
  return slash < 0 ? { provider: "", model: routeId } : { provider: routeId.slice(0, slash), model: routeId.slice(slash + 1) };
}

const CIRCUIT_VALUE = { closed: 0, "half-open": 1, open: 2 } as const;

/** The series one route's attempts and usage feed. */
interface RouteSeries {
  attemptOk: CounterSeries;
  attemptError: CounterSeries;
  attemptLatency: HistogramSeries;
  promptTokens: CounterSeries;
  completionTokens: CounterSeries;
  cost: CounterSeries;
}

/** The series one pool's requests feed, for one final route. */
interface RequestSeries {
  ok: CounterSeries;
  error: CounterSeries;
  latency: HistogramSeries;
}

/** Most bundles of series cached per map (routes, pools; the registry bounds its own caches the same way). */
const MAX_BUNDLES = 10_000;

/**
 * Series kept per metric. Every label value the proxy sets comes from the config (pools, models, providers,
 * routes) or from a fixed set (endpoints, statuses, error codes, reasons), never from a request, so this only
 * guards against a mistake; samples beyond it are counted in `modelmesh_metrics_series_overflow_total`.
 */
const MAX_SERIES = 10_000;

/**
 * Longest label value kept whole. Above the registry's default (128) because route labels join a provider id and
 * a model id from the config (an inference-profile ARN alone can pass 128 characters), and cutting them could
 * merge two routes into one series.
 */
const MAX_LABEL_LENGTH = 1024;

/** The events {@link ProxyMetrics} counts (its `#onEvent` cases). */
const COUNTED_EVENTS: readonly MeshEventType[] = ["request-end", "attempt-end", "rotation", "route-deactivated", "provider-deactivated", "quota-exhausted", "stream-end"];

/** Every metric the proxy exports, with the event wiring that feeds them. */
export class ProxyMetrics {
  readonly registry = new MetricsRegistry({ maxSeries: MAX_SERIES, maxLabelLength: MAX_LABEL_LENGTH, overflowMetric: "modelmesh_metrics_series_overflow_total" });
  readonly #r = this.registry;
  readonly requests = this.#r.counter("modelmesh_requests_total", "Routed requests by pool, final model/provider and outcome.", ["pool", "model", "provider", "outcome"]);
  readonly requestErrors = this.#r.counter("modelmesh_request_errors_total", "Failed routed requests by pool and ModelMesh error code.", ["pool", "code"]);
  readonly requestLatency = this.#r.histogram("modelmesh_request_duration_seconds", "Routing latency until the answer (streams: until the commit point), per pool/model/provider.", ["pool", "model", "provider"], LATENCY_BUCKETS);
  readonly attempts = this.#r.counter("modelmesh_attempts_total", "Upstream attempts by model, provider and outcome.", ["model", "provider", "outcome"]);
  readonly attemptErrors = this.#r.counter("modelmesh_attempt_errors_total", "Failed upstream attempts by model, provider, error category and code.", ["model", "provider", "category", "code"]);
  readonly attemptLatency = this.#r.histogram("modelmesh_attempt_duration_seconds", "Upstream attempt latency per model/provider.", ["model", "provider"], LATENCY_BUCKETS);
  readonly rotations = this.#r.counter("modelmesh_rotations_total", "Moves of a request from one route to another, by pool and reason.", ["pool", "reason"]);
  readonly tokens = this.#r.counter("modelmesh_tokens_total", "Tokens by model, provider and type (prompt, completion).", ["model", "provider", "type"]);
  readonly cost = this.#r.counter("modelmesh_cost_usd_total", "Cost in USD by model and provider, from declared pricing.", ["model", "provider"]);
  readonly deactivations = this.#r.counter("modelmesh_route_deactivations_total", "Routes put on standby, by route and reason.", ["route", "reason"]);
  readonly providerDeactivations = this.#r.counter("modelmesh_provider_deactivations_total", "Providers put on standby, by provider and reason.", ["provider", "reason"]);
  readonly quotaExhausted = this.#r.counter("modelmesh_quota_exhausted_total", "Quota windows that filled up, by route and window.", ["route", "window"]);
  readonly streamInterruptions = this.#r.counter("modelmesh_stream_interruptions_total", "Committed streams that ended with an error, by model and provider.", ["model", "provider"]);
  readonly httpRequests = this.#r.counter("modelmesh_http_requests_total", "HTTP requests served by the proxy, by endpoint and status.", ["endpoint", "status"]);
  readonly httpLatency = this.#r.histogram("modelmesh_http_request_duration_seconds", "HTTP request duration at the proxy (streams: until the last byte), by endpoint.", ["endpoint"], LATENCY_BUCKETS);
  readonly inFlight = this.#r.gauge("modelmesh_http_in_flight_requests", "HTTP requests being served now.");
  readonly activeStreams = this.#r.gauge("modelmesh_active_streams", "Open streaming responses.");
  readonly openConnections = this.#r.gauge("modelmesh_open_connections", "Admitted client connections open now (proxy.limits.max_connections).");
  readonly connectionsRejected = this.#r.counter("modelmesh_connections_rejected_total", "Client connections not admitted, by reason (server_busy: max_connections, too_many_connections: max_connections_per_ip).", ["reason"]);
  readonly requestTimeouts = this.#r.counter("modelmesh_request_timeouts_total", "Requests answered 408 because their headers or body did not arrive in time.");
  readonly reloads = this.#r.counter("modelmesh_config_reloads_total", "Config reloads by outcome (ok, error).", ["outcome"]);
  readonly routeUp = this.#r.gauge("modelmesh_route_up", "1 when the route is active, 0 on standby.", ["route", "model", "provider"]);
  readonly routeCircuit = this.#r.gauge("modelmesh_route_circuit_state", "Circuit of the route: 0 closed, 1 half-open, 2 open.", ["route"]);
  readonly routeInFlight = this.#r.gauge("modelmesh_route_in_flight", "Attempts in flight on the route (this instance).", ["route"]);
  readonly providerUp = this.#r.gauge("modelmesh_provider_up", "1 when the provider is active, 0 on standby.", ["provider"]);

  readonly #http = new Map<string, { latency: HistogramSeries; byStatus: Map<number, CounterSeries> }>();
  /** Per route, the series its attempts feed; per pool and final route, the series its requests feed. */
  readonly #routeSeries = new Map<string, RouteSeries>();
  readonly #requestSeries = new Map<string, Map<string, RequestSeries>>();

  /** One HTTP request served: its endpoint label, status and duration in seconds. */
  recordHttp(endpoint: string, status: number, seconds: number): void {
    let series = this.#http.get(endpoint);
    if (!series) {
      series = { latency: this.httpLatency.labels(endpoint), byStatus: new Map() };
      this.#http.set(endpoint, series);
    }
    let requests = series.byStatus.get(status);
    if (!requests) {
      requests = this.httpRequests.labels(endpoint, String(status));
      series.byStatus.set(status, requests);
    }
    requests.inc();
    series.latency.observe(seconds);
  }

  /**
   * Subscribes to the event types the metrics count (not `*`: the router builds only the events someone
   * wants); returns the unsubscribe function.
   */
  subscribe(events: MeshEventBus, currentMesh: () => Mesh | undefined): () => void {
    const listener = (event: MeshEvent) => this.#onEvent(event, currentMesh);
    const offs = COUNTED_EVENTS.map((type) => events.on(type, listener));
    return () => {
      for (const off of offs) off();
    };
  }

  #onEvent(event: MeshEvent, currentMesh: () => Mesh | undefined): void {
    switch (event.type) {
      case "request-end": {
        const trace = event.trace;
        const pool = trace.resolution?.poolId ?? "";
        const last = trace.final ?? trace.attempts.at(-1);
        const request = this.#requestSeriesOf(pool, last?.routeId ?? "", last?.modelId ?? "", last?.providerId ?? "");
        (event.ok ? request.ok : request.error).inc();
        if (!event.ok) this.requestErrors.labels(pool, event.code ?? "unknown").inc();
        request.latency.observe(event.latencyMs / 1000);
        for (const attempt of trace.attempts) {
          const route = this.#routeSeriesOf(attempt.routeId, attempt.modelId, attempt.providerId);
          (attempt.ok ? route.attemptOk : route.attemptError).inc();
          route.attemptLatency.observe(attempt.latencyMs / 1000);
          if (attempt.error) this.attemptErrors.labels(attempt.modelId, attempt.providerId, attempt.error.category, attempt.error.code).inc();
        }
        break;
      }
      case "attempt-end": {
        const { provider, model } = routeParts(event.routeId);
        this.#usage(event.routeId, model, provider, event.promptTokens, event.completionTokens, currentMesh()?.router);
        break;
      }
      case "rotation":
        this.rotations.inc({ pool: event.poolId, reason: event.reason });
        break;
      case "route-deactivated":
        this.deactivations.inc({ route: event.routeId, reason: event.reason });
        break;
      case "provider-deactivated":
        this.providerDeactivations.inc({ provider: event.providerId, reason: event.reason });
        break;
      case "quota-exhausted":
        this.quotaExhausted.inc({ route: event.routeId, window: event.window });
        break;
      case "stream-end":
        if (!event.ok) {
          const { provider, model } = routeParts(event.routeId);
          this.streamInterruptions.inc({ model, provider });
        }
        break;
      default:
        break;
    }
  }

  /**
   * Usage of a streamed answer (the core reports non-streamed usage in `attempt-end`; streamed usage arrives
   * in the last chunk, which only the proxy sees).
   */
  recordStreamUsage(mesh: Mesh, modelId: string, providerId: string, usage: CompletionUsage): void {
    this.#usage(`${providerId}/${modelId}`, modelId, providerId, usage.prompt_tokens ?? 0, usage.completion_tokens ?? 0, mesh.router);
  }

  #usage(routeId: string, model: string, provider: string, prompt: number, completion: number, router: Mesh["router"] | undefined): void {
    const route = this.#routeSeriesOf(routeId, model, provider);
    if (prompt > 0) route.promptTokens.inc(prompt);
    if (completion > 0) route.completionTokens.inc(completion);
    const pricing = router?.models.get(model)?.pricing;
    if (pricing) {
      const usd = (prompt * pricing.inputPerMillion + completion * pricing.outputPerMillion) / 1_000_000 + (pricing.perRequest ?? 0);
      route.cost.inc(usd);
    }
  }

  /**
   * The series of one route (`<provider>/<model>`), looked up once (every request would otherwise walk the label
   * caches of five metrics). Bounded like the registry's own cache: past the bound, series are looked up anew.
   */
  #routeSeriesOf(routeId: string, model: string, provider: string): RouteSeries {
    let series = this.#routeSeries.get(routeId);
    if (series === undefined) {
      series = {
        attemptOk: this.attempts.labels(model, provider, "ok"),
        attemptError: this.attempts.labels(model, provider, "error"),
        attemptLatency: this.attemptLatency.labels(model, provider),
        promptTokens: this.tokens.labels(model, provider, "prompt"),
        completionTokens: this.tokens.labels(model, provider, "completion"),
        cost: this.cost.labels(model, provider),
      };
      if (this.#routeSeries.size < MAX_BUNDLES) this.#routeSeries.set(routeId, series);
    }
    return series;
  }

  /** The request series of one pool and final model/provider, looked up once (see {@link #routeSeriesOf}). */
  #requestSeriesOf(pool: string, routeId: string, model: string, provider: string): RequestSeries {
    let byRoute = this.#requestSeries.get(pool);
    if (byRoute === undefined) {
      byRoute = new Map();
      if (this.#requestSeries.size < MAX_BUNDLES) this.#requestSeries.set(pool, byRoute);
    }
    let series = byRoute.get(routeId);
    if (series === undefined) {
      series = {
        ok: this.requests.labels(pool, model, provider, "ok"),
        error: this.requests.labels(pool, model, provider, "error"),
        latency: this.requestLatency.labels(pool, model, provider),
      };
      if (byRoute.size < MAX_BUNDLES) byRoute.set(routeId, series);
    }
    return series;
  }

  /** The exposition, with route/provider gauges read from the ledger of `mesh` now. */
  async render(mesh: Mesh): Promise<string> {
    const health = await routesHealth(mesh);
    this.routeUp.reset();
    this.routeCircuit.reset();
    this.routeInFlight.reset();
    this.providerUp.reset();
    for (const route of health.routes) {
      this.routeUp.set({ route: route.routeId, model: route.modelId, provider: route.providerId }, route.status === "active" ? 1 : 0);
      this.routeCircuit.set({ route: route.routeId }, CIRCUIT_VALUE[route.circuit]);
      this.routeInFlight.set({ route: route.routeId }, route.inFlight);
    }
    for (const provider of health.providers) this.providerUp.set({ provider: provider.providerId }, provider.status === "active" ? 1 : 0);
    return this.registry.render();
  }
}
