/**
 * The mesh's side of observability (docs/ARCHITECTURE.md §2.12): turns the event stream into what the three sinks of
 * the `observability` section receive — routing events (`routing`, filtered by `events`), one request log record
 * per request plus severity-tagged trace lines (`logging`: `level`, `redact`, `max_payload_size`), and periodic
 * statistics per model,
 * provider and pool (`statistics`: `flush_interval`, `retention`, `scopes`). Connectors only write; what to send,
 * when, and how much is decided here, once, for every connector.
 */
import type { MeshConfig } from "../config/schema.js";
import type { AggregateStats, ObservabilityConnectorV1, RequestLogEntry, Severity, TraceEntry } from "../connectors/services.js";
import type { MeshEvent, MeshEventBus, RequestEndEvent, StreamEndEvent } from "../events/events.js";
import type { Clock } from "../internal/clock.js";
import { costOf } from "../internal/pricing.js";
import type { RouterModel } from "../router/types.js";

/** The sinks built from the config (absent section: no connector). */
export interface TelemetrySinks {
  routing?: ObservabilityConnectorV1;
  logging?: ObservabilityConnectorV1;
  statistics?: ObservabilityConnectorV1;
}

/** A request log record at `level: summary` or `full`: the metadata plus the routing story (and payloads). */
export interface DetailedRequestLogEntry extends RequestLogEntry {
  requested?: string;
  attemptsDetail?: Array<{ attempt: number; routeId: string; ok: boolean; latencyMs: number; code?: string; status?: number; action: string }>;
  warnings?: string[];
  /** `level: full`: the request body, redacted and cut to `max_payload_size` (then a string ending in a marker). */
  request?: unknown;
  /** `level: full`: the non-streamed answer, same treatment. */
  response?: unknown;
}

const UTF8_ENCODER = /* @__PURE__ */ new TextEncoder();
const UTF8_DECODER = /* @__PURE__ */ new TextDecoder();

/** Requests whose end is still awaited (a stream's `stream-end`, its tokens). Bounded: the oldest goes first. */
const MAX_PENDING = 10_000;
/** Latency samples kept per scope and bucket for percentiles. */
const SAMPLES_PER_BUCKET = 256;

const SECRET_KEY = /^(api[-_]?key|x-api-key|authorization|proxy-authorization|password|passphrase|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token|cookie|set-cookie|credentials?)$/i;

/**
 * Starts feeding the sinks; returns the function that stops it (a final statistics flush included).
 * @internal used by createMesh
 */
export function startTelemetry(options: { config: MeshConfig; events: MeshEventBus; clock: Clock; models: ReadonlyMap<string, RouterModel>; sinks: TelemetrySinks }): () => void {
  const { config, events, clock, models, sinks } = options;
  const offs: Array<() => void> = [];
  if (sinks.routing) offs.push(routingFeed(sinks.routing, config.observability.routing?.events, events));
  if (sinks.logging) offs.push(traceFeed(sinks.logging, events, clock));
  const logging = sinks.logging ? new RequestLogFeed(sinks.logging, config.observability.logging!, events) : undefined;
  const statistics = sinks.statistics ? new StatisticsFeed(sinks.statistics, config.observability.statistics!, clock) : undefined;
  if (logging || statistics) {
    const ends = new RequestEnds((finished) => {
      // One metadata record per request, shared by both sinks (the request log copies it before adding detail).
      const entry = logEntryOf(finished, models);
      logging?.write(finished, entry);
      statistics?.add(finished, entry);
    });
    offs.push(events.on("*", (event) => ends.on(event)));
    if (logging) offs.push(events.on("request-start", (event) => logging.started(event.requestId, event.request)));
    if (statistics) offs.push(events.on("rotation", (event) => statistics.rotation(event.poolId)));
  }
  statistics?.start();
  return () => {
    for (const off of offs) off();
    statistics?.stop();
    if (logging) events.capturePayloads = false;
  };
}

/** Routing events to the routing sink, filtered by its `events` when given. */
function routingFeed(sink: ObservabilityConnectorV1, only: readonly string[] | undefined, events: MeshEventBus): () => void {
  const wanted = only ? new Set(only) : undefined;
  return events.on("*", (event) => {
    if (!wanted || wanted.has(event.type)) sink.emit(event);
  });
}

/** A severity-tagged trace line to the logging sink for each event that is news (a failed attempt, a standby, …). */
function traceFeed(sink: ObservabilityConnectorV1, events: MeshEventBus, clock: Clock): () => void {
  return events.on("*", (event) => {
    const entry = traceOf(event, clock);
    if (entry) sink.trace(entry);
  });
}

/** The severity-tagged trace line of an event, or undefined for events that are not news on their own. */
export function traceOf(event: MeshEvent, clock: Clock): TraceEntry | undefined {
  const at = (severity: Severity, component: string, message: string, metadata?: Record<string, unknown>): TraceEntry => ({
    severity,
    timestamp: event.timestamp ?? clock.now(),
    component,
    message,
    ...(metadata ? { metadata } : {}),
  });
  switch (event.type) {
    case "attempt-error":
      return at("warning", "router", `attempt ${event.attempt} on ${event.routeId} failed: ${event.code}${event.status ? ` (${event.status})` : ""}, ${event.action}`, { requestId: event.requestId, category: event.category });
    case "request-end":
      return event.ok ? undefined : at("error", "router", `request ${event.requestId} failed after ${event.attempts} attempt(s): ${event.code ?? "unknown"}`, { requestId: event.requestId });
    case "route-deactivated":
      return at("warning", "router", `route ${event.routeId} on standby: ${event.reason}`, event.until ? { until: event.until } : undefined);
    case "route-probe":
      return at(event.ok ? "info" : "warning", "router", `${event.kind} probe of ${event.routeId} ${event.ok ? "answered: back in rotation" : `failed${event.status ? ` (${event.status})` : ""}`}`);
    case "route-recovered":
      return at("info", "router", `route ${event.routeId} back (${event.trigger}${event.halfOpen ? ", half-open" : ""})`);
    case "provider-deactivated":
      return at("error", `provider.${event.providerId}`, `provider ${event.providerId} on standby: ${event.reason}`);
    case "provider-recovered":
      return at("info", `provider.${event.providerId}`, `provider ${event.providerId} back (${event.trigger})`);
    case "quota-exhausted":
      return at("warning", "router", `quota ${event.window} of ${event.routeId} exhausted until ${new Date(event.resetsAt).toISOString()}`);
    case "store-status":
      return at(event.state === "ok" ? "info" : event.state === "degraded" ? "warning" : "critical", "mesh", `${event.kind} state store ${event.state}${event.error ? `: ${event.error.message}` : ""}`);
    case "warning":
      return at("warning", "router", event.message, event.requestId ? { requestId: event.requestId } : undefined);
    case "provider-health":
      return at(event.healthy ? "info" : "error", `provider.${event.providerId}`, event.healthy ? `provider ${event.providerId} passes its health checks again` : `provider ${event.providerId} failed ${event.consecutiveFailures} health checks${event.error ? `: ${event.error}` : ""}`);
    case "registry-sync":
      return at(event.errors.length > 0 ? "warning" : "info", "mesh", `registry sync: ${event.newModels.length} new, ${event.deprecatedModels.length} gone, ${event.updatedModels.length} updated${event.errors.length > 0 ? `; errors: ${event.errors.join("; ")}` : ""}`);
    default:
      return undefined;
  }
}

/** Collects per request what its log record needs (final tokens, a stream's end) and hands each finished request on. */
class RequestEnds {
  readonly #tokens = new Map<string, { prompt: number; completion: number }>();
  readonly #streams = new Map<string, RequestEndEvent>();

  constructor(private readonly done: (entry: Finished) => void) {}

  on(event: MeshEvent): void {
    switch (event.type) {
      case "attempt-end":
        bounded(this.#tokens, event.requestId, { prompt: event.promptTokens, completion: event.completionTokens });
        return;
      case "request-end": {
        const tokens = this.#tokens.get(event.requestId);
        this.#tokens.delete(event.requestId);
        // A stream that opened is logged when it ends (its usage comes with its last chunk).
        if (event.ok && event.trace.stream) {
          const evicted = bounded(this.#streams, event.requestId, event);
          if (evicted) this.done({ end: evicted });
          return;
        }
        this.done({ end: event, ...(tokens ? { tokens } : {}) });
        return;
      }
      case "stream-end": {
        const end = this.#streams.get(event.requestId);
        if (!end) return;
        this.#streams.delete(event.requestId);
        const usage = event.usage;
        this.done({ end, streamEnd: event, ...(usage ? { tokens: { prompt: usage.prompt_tokens, completion: usage.completion_tokens } } : {}) });
        return;
      }
      default:
        return;
    }
  }
}

/** Sets `key` in a bounded insertion-ordered map; returns the evicted oldest value, if any. */
function bounded<V>(map: Map<string, V>, key: string, value: V): V | undefined {
  map.set(key, value);
  if (map.size <= MAX_PENDING) return undefined;
  const oldest = map.keys().next().value as string;
  const evicted = map.get(oldest);
  map.delete(oldest);
  return evicted;
}

type Finished = { end: RequestEndEvent; streamEnd?: StreamEndEvent; tokens?: { prompt: number; completion: number } };

/** The metadata record of a finished request. */
function logEntryOf(finished: Finished, models: ReadonlyMap<string, RouterModel>): RequestLogEntry {
  const { end, streamEnd, tokens } = finished;
  const trace = end.trace;
  const ok = streamEnd ? streamEnd.ok : end.ok;
  const final = trace.final;
  const model = final ? models.get(final.modelId) : undefined;
  const promptTokens = tokens?.prompt ?? 0;
  const completionTokens = tokens?.completion ?? 0;
  const lastError = [...trace.attempts].reverse().find((a) => a.error)?.error;
  const timestamp = streamEnd?.timestamp ?? end.timestamp;
  const code = streamEnd && !streamEnd.ok ? streamEnd.code : end.code;
  return {
    timestamp,
    requestId: end.requestId,
    ...(trace.resolution ? { poolId: trace.resolution.poolId } : {}),
    ...(final ? { modelId: final.modelId, providerId: final.providerId } : {}),
    kind: trace.kind,
    stream: trace.stream,
    ok,
    ...(!ok && lastError?.status !== undefined ? { status: lastError.status } : {}),
    latencyMs: timestamp - trace.startedAt,
    attempts: trace.attempts.length,
    promptTokens,
    completionTokens,
    costUsd: model?.pricing ? costOf({ promptTokens, completionTokens }, model.pricing) : 0,
    ...(code !== undefined && !ok ? { errorCode: code } : {}),
  };
}

type LoggingConfig = NonNullable<MeshConfig["observability"]["logging"]>;

/** One record per request to the logging sink, at the section's `level`, redacted, payloads bounded. */
class RequestLogFeed {
  readonly #requests = new Map<string, unknown>();

  constructor(
    private readonly sink: ObservabilityConnectorV1,
    private readonly config: LoggingConfig,
    events: MeshEventBus,
  ) {
    if (config.level === "full") events.capturePayloads = true;
  }

  started(requestId: string, request: unknown): void {
    if (this.config.level === "full" && request !== undefined) bounded(this.#requests, requestId, request);
  }

  write(finished: Finished, metadata: RequestLogEntry): void {
    const entry: DetailedRequestLogEntry = { ...metadata };
    const request = this.#requests.get(finished.end.requestId);
    this.#requests.delete(finished.end.requestId);
    if (this.config.level !== "metadata") {
      const trace = finished.end.trace;
      entry.requested = trace.requested;
      entry.attemptsDetail = trace.attempts.map((a) => ({
        attempt: a.attempt,
        routeId: a.routeId,
        ok: a.ok,
        latencyMs: a.latencyMs,
        action: a.action,
        ...(a.error ? { code: a.error.code, ...(a.error.status !== undefined ? { status: a.error.status } : {}) } : {}),
      }));
      if (trace.warnings.length > 0) entry.warnings = [...trace.warnings];
    }
    if (this.config.level === "full") {
      if (request !== undefined) entry.request = this.#payload(request);
      if (finished.end.response !== undefined) entry.response = this.#payload(finished.end.response);
    }
    this.sink.log(entry);
  }

  /** A payload as logged: secrets hidden (`redact`), cut to `max_payload_size` bytes of JSON. */
  #payload(value: unknown): unknown {
    const shown = this.config.redact ? redactSecrets(value) : value;
    const limit = this.config.max_payload_size;
    if (limit === undefined) return shown;
    let text: string;
    try {
      text = JSON.stringify(shown) ?? "";
    } catch {
      return "[unserialisable payload]";
    }
    const bytes = UTF8_ENCODER.encode(text);
    if (bytes.length <= limit) return shown;
    const cut = UTF8_DECODER.decode(bytes.subarray(0, limit)).replace(/\uFFFD$/, "");
    return `${cut}…[truncated ${bytes.length - limit} of ${bytes.length} bytes]`;
  }
}

/** A copy of `value` with the values of secret-looking keys replaced (depth and size bounded). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return "[too deep]";
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_KEY.test(key) && item !== null && item !== undefined && item !== "" ? "[redacted]" : redactSecrets(item, depth + 1);
  return out;
}

type StatisticsConfig = NonNullable<MeshConfig["observability"]["statistics"]>;

/** Running aggregates of one scope (`model:x`) in one bucket. */
interface Aggregate {
  requestsTotal: number;
  requestsSuccess: number;
  requestsFailed: number;
  tokensIn: number;
  tokensOut: number;
  costTotal: number;
  latencySum: number;
  latencies: number[];
  rotationEvents: number;
  errorsByCategory: Record<string, number>;
}

const emptyAggregate = (): Aggregate => ({ requestsTotal: 0, requestsSuccess: 0, requestsFailed: 0, tokensIn: 0, tokensOut: 0, costTotal: 0, latencySum: 0, latencies: [], rotationEvents: 0, errorsByCategory: {} });

/**
 * Aggregates per scope over `retention` (default: one `flush_interval`), flushed to the statistics sink every
 * `flush_interval` and once more on close. Each interval is a bucket; the oldest falls out as a new one starts.
 */
class StatisticsFeed {
  readonly #scopes: ReadonlySet<string>;
  readonly #buckets: Array<Map<string, Aggregate>> = [new Map()];
  readonly #keep: number;
  #cancel: (() => void) | undefined;

  constructor(
    private readonly sink: ObservabilityConnectorV1,
    private readonly config: StatisticsConfig,
    private readonly clock: Clock,
  ) {
    this.#scopes = new Set(config.scopes ?? ["model", "provider", "pool"]);
    this.#keep = Math.max(1, Math.ceil((config.retention ?? config.flush_interval) / config.flush_interval));
  }

  start(): void {
    const tick = () => {
      this.flush();
      this.#buckets.push(new Map());
      while (this.#buckets.length > this.#keep) this.#buckets.shift();
      this.#cancel = this.clock.setTimer(tick, this.config.flush_interval, { background: true });
    };
    this.#cancel = this.clock.setTimer(tick, this.config.flush_interval, { background: true });
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.flush();
  }

  add(finished: Finished, entry: RequestLogEntry): void {
    const category = errorCategoryOf(finished);
    const keys: string[] = [];
    if (this.#scopes.has("model") && entry.modelId) keys.push(`model:${entry.modelId}`);
    if (this.#scopes.has("provider") && entry.providerId) keys.push(`provider:${entry.providerId}`);
    if (this.#scopes.has("pool") && entry.poolId) keys.push(`pool:${entry.poolId}`);
    const bucket = this.#buckets[this.#buckets.length - 1]!;
    for (const key of keys) {
      let agg = bucket.get(key);
      if (!agg) bucket.set(key, (agg = emptyAggregate()));
      agg.requestsTotal++;
      if (entry.ok) agg.requestsSuccess++;
      else {
        agg.requestsFailed++;
        if (category) agg.errorsByCategory[category] = (agg.errorsByCategory[category] ?? 0) + 1;
      }
      agg.tokensIn += entry.promptTokens;
      agg.tokensOut += entry.completionTokens;
      agg.costTotal += entry.costUsd;
      agg.latencySum += entry.latencyMs;
      if (agg.latencies.length < SAMPLES_PER_BUCKET) agg.latencies.push(entry.latencyMs);
      else agg.latencies[agg.requestsTotal % SAMPLES_PER_BUCKET] = entry.latencyMs;
    }
  }

  rotation(poolId: string): void {
    if (!this.#scopes.has("pool")) return;
    const bucket = this.#buckets[this.#buckets.length - 1]!;
    const key = `pool:${poolId}`;
    let agg = bucket.get(key);
    if (!agg) bucket.set(key, (agg = emptyAggregate()));
    agg.rotationEvents++;
  }

  /** The retained buckets summed per scope, sent when there is anything to say. */
  flush(): void {
    const totals = new Map<string, Aggregate>();
    for (const bucket of this.#buckets) {
      for (const [key, agg] of bucket) {
        let sum = totals.get(key);
        if (!sum) totals.set(key, (sum = emptyAggregate()));
        sum.requestsTotal += agg.requestsTotal;
        sum.requestsSuccess += agg.requestsSuccess;
        sum.requestsFailed += agg.requestsFailed;
        sum.tokensIn += agg.tokensIn;
        sum.tokensOut += agg.tokensOut;
        sum.costTotal += agg.costTotal;
        sum.latencySum += agg.latencySum;
        sum.latencies.push(...agg.latencies);
        sum.rotationEvents += agg.rotationEvents;
        for (const [category, n] of Object.entries(agg.errorsByCategory)) sum.errorsByCategory[category] = (sum.errorsByCategory[category] ?? 0) + n;
      }
    }
    if (totals.size === 0) return;
    const stats: Record<string, AggregateStats> = {};
    for (const [key, agg] of totals) {
      const sorted = agg.latencies.sort((a, b) => a - b);
      stats[key] = {
        requestsTotal: agg.requestsTotal,
        requestsSuccess: agg.requestsSuccess,
        requestsFailed: agg.requestsFailed,
        tokensIn: agg.tokensIn,
        tokensOut: agg.tokensOut,
        costTotal: agg.costTotal,
        latencyAvg: agg.requestsTotal > 0 ? agg.latencySum / agg.requestsTotal : 0,
        latencyP50: percentile(sorted, 0.5),
        latencyP95: percentile(sorted, 0.95),
        latencyP99: percentile(sorted, 0.99),
        rotationEvents: agg.rotationEvents,
        errorsByCategory: agg.errorsByCategory,
      };
    }
    this.sink.flush(stats);
  }
}

/** The category of the error that ended a failed request (its last failed attempt), if any. */
function errorCategoryOf(finished: Finished): string | undefined {
  if (finished.streamEnd && !finished.streamEnd.ok) return "stream_interrupted";
  return [...finished.end.trace.attempts].reverse().find((a) => a.error)?.error?.category;
}

/** Nearest-rank percentile of sorted samples (0 when empty). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
