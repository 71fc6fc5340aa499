/**
 * OtelObservability: turns the mesh's events into OpenTelemetry spans and metrics (GenAI semantic
 * conventions). One CLIENT span per request, one child CLIENT span per upstream attempt, each started and
 * ended at the events' own timestamps; a streamed request's span lasts until its stream ends. Requests whose
 * end never arrives are bounded: past `maxOpenRequests` the oldest is ended with an error status.
 */
import {
  context as otelContext,
  metrics as otelMetrics,
  SpanKind,
  SpanStatusCode,
  trace as otelTrace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type {
  AggregateStats,
  AttemptEndEvent,
  AttemptErrorEvent,
  AttemptStartEvent,
  MeshEvent,
  ObservabilityConnectorV1,
  RequestEndEvent,
  RequestLogEntry,
  RequestStartEvent,
  RotationEvent,
  RouteSelectedEvent,
  StreamCommitEvent,
  StreamEndEvent,
  TraceEntry,
  WarningEvent,
} from "@modelmesh/core";
import { redactText } from "@modelmesh/cdk";
import { inputMessages, isRecord, outputMessages } from "./otel-content.js";
import { DURATION_BUCKETS, GEN_AI, INCOMPLETE_ERROR_TYPE, METRICS, MODELMESH, operationName, TOKEN_BUCKETS } from "./otel-attributes.js";

declare const __PACKAGE_VERSION__: string;
const SCOPE_VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

/** Instrumentation scope name of the tracer and the meter. */
export const OTEL_SCOPE_NAME = "@modelmesh/observability-otel";

/** Default bound on requests whose spans are open at once. */
export const DEFAULT_MAX_OPEN_REQUESTS = 1000;

/** The event types the connector turns into telemetry (the request-scoped ones); others are ignored. */
export const OTEL_EVENT_TYPES = [
  "request-start",
  "route-selected",
  "attempt-start",
  "attempt-end",
  "attempt-error",
  "rotation",
  "stream-commit",
  "stream-end",
  "warning",
  "request-end",
] as const satisfies readonly MeshEvent["type"][];

/** One of {@link OTEL_EVENT_TYPES}. */
export type OtelEventType = (typeof OTEL_EVENT_TYPES)[number];

/** Options of {@link OtelObservability}. */
export interface OtelObservabilityOptions {
  /** Connector id. Default `modelmesh.otel.v1`. */
  id?: string;
  /** Where spans go. Default: the global tracer provider of `@opentelemetry/api` (looked up on every span). */
  tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global meter provider of `@opentelemetry/api`, looked up at the first record. */
  meterProvider?: MeterProvider;
  /** Record metrics. Default true; false records spans only. */
  metrics?: boolean;
  /** Requests with open spans at once; past it the oldest is ended with an error status. Default 1000. */
  maxOpenRequests?: number;
  /** Event types turned into telemetry; empty or absent = all of {@link OTEL_EVENT_TYPES}. */
  events?: readonly OtelEventType[];
  /**
   * Put chat prompts and answers on request spans (`gen_ai.input.messages`, `gen_ai.output.messages`) when the
   * events carry them — set `capturePayloads` on the mesh's `MeshEventBus` (the config key does). Secrets
   * redacted, each attribute cut to 64 KiB. Default false.
   */
  captureContent?: boolean;
  /** Receives errors of the OpenTelemetry SDK (an exporter, a processor); a sink never throws into routing. */
  onError?: (error: unknown) => void;
}

interface OpenAttempt {
  span: Span;
  attempt: number;
  routeId: string;
  providerId: string;
  modelId: string;
  /** Set once the attempt succeeded (its span ends with the request, to carry the response model). */
  endedAt?: number;
  inputTokens?: number;
  outputTokens?: number;
}

interface OpenRequest {
  requestId: string;
  span: Span;
  context: Context;
  operation: string;
  requested: string;
  stream: boolean;
  startedAt: number;
  poolId?: string;
  selection?: RouteSelectedEvent;
  attempts: Map<number, OpenAttempt>;
  /** `request-end`, once seen: a streamed request stays open until its `stream-end`. */
  end?: RequestEndEvent;
  streamEnd?: StreamEndEvent;
  /** Final route's attributes, set at `request-end`. */
  final?: { routeId: string; providerId: string; responseModel: string };
  inputTokens?: number;
  outputTokens?: number;
  errorType?: string;
}

interface Instruments {
  duration: Histogram;
  tokens: Histogram;
  timeToFirstChunk: Histogram;
  attempts: Counter;
  failovers: Counter;
  cost: Counter;
}

/** Longest error message put on a span status (messages are scrubbed of credentials first). */
const MAX_MESSAGE = 500;

/** An OpenTelemetry observability connector; see the module comment. */
export class OtelObservability implements ObservabilityConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id: string;
  /** Bound on requests with open spans. */
  readonly maxOpenRequests: number;
  readonly #tracer: Tracer;
  readonly #tracerProvider: TracerProvider | undefined;
  readonly #meterProvider: MeterProvider | undefined;
  readonly #metricsEnabled: boolean;
  readonly #captureContent: boolean;
  readonly #filter: ReadonlySet<string>;
  readonly #onError: (error: unknown) => void;
  readonly #open = new Map<string, OpenRequest>();
  #instruments: Instruments | undefined;
  #closed = false;

  constructor(options: OtelObservabilityOptions = {}) {
    this.id = options.id ?? "modelmesh.otel.v1";
    const max = options.maxOpenRequests ?? DEFAULT_MAX_OPEN_REQUESTS;
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`[modelmesh] [otel] maxOpenRequests must be a positive integer, got ${String(max)}`);
    this.maxOpenRequests = max;
    this.#tracerProvider = options.tracerProvider;
    // The global provider is a proxy: spans go to whichever SDK is registered when they start.
    this.#tracer = (options.tracerProvider ?? otelTrace.getTracerProvider()).getTracer(OTEL_SCOPE_NAME, SCOPE_VERSION);
    this.#meterProvider = options.meterProvider;
    this.#metricsEnabled = options.metrics ?? true;
    this.#captureContent = options.captureContent ?? false;
    this.#filter = new Set(options.events ?? []);
    const onError = options.onError;
    // A throwing error handler must not break routing either.
    this.#onError = (error) => {
      try {
        onError?.(error);
      } catch {
        // ignored: the sink stays fire-and-forget
      }
    };
  }

  /** Requests whose spans are open now (started, not yet ended). */
  get openRequests(): number {
    return this.#open.size;
  }

  /** Turns one event into span and metric updates. Never throws. */
  emit(event: MeshEvent): void {
    if (this.#closed || typeof event !== "object" || event === null) return;
    if (this.#filter.size > 0 && !this.#filter.has(event.type)) return;
    try {
      this.#handle(event);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Cost of a finished request: the `modelmesh.client.cost` counter, and the span's `modelmesh.cost_usd` while it is open. */
  log(entry: RequestLogEntry): void {
    if (this.#closed) return;
    try {
      if (typeof entry?.costUsd !== "number" || !Number.isFinite(entry.costUsd)) return;
      const open = typeof entry.requestId === "string" ? this.#open.get(entry.requestId) : undefined;
      open?.span.setAttribute(MODELMESH.costUsd, entry.costUsd);
      if (entry.costUsd > 0) {
        this.#metrics()?.cost.add(entry.costUsd, clean({ [GEN_AI.operationName]: operationName(entry.kind), [GEN_AI.providerName]: entry.providerId, [MODELMESH.modelId]: entry.modelId, [MODELMESH.poolId]: entry.poolId }));
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Aggregates are the metric SDK's job here: nothing to do. */
  flush(_stats: Record<string, AggregateStats>): void {}

  /** The mesh's trace lines retell its events, which the spans already show: nothing to do. */
  trace(_entry: TraceEntry): void {}

  /**
   * Ends every open span (error status, `error.type` {@link INCOMPLETE_ERROR_TYPE}) and flushes the providers
   * that can flush (the SDK's `forceFlush`). Idempotent; the providers themselves stay the caller's to shut down.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const now = Date.now();
    for (const open of [...this.#open.values()]) this.#abandon(open, now, "the connector closed before the request ended");
    await Promise.all([flushProvider(this.#tracerProvider ?? otelTrace.getTracerProvider()), this.#metricsEnabled ? flushProvider(this.#meterProvider ?? otelMetrics.getMeterProvider()) : undefined].map((p) => Promise.resolve(p).catch(this.#onError)));
  }

  // -- events -----------------------------------------------------------------------------------------

  #handle(event: MeshEvent): void {
    switch (event.type) {
      case "request-start":
        return this.#requestStart(event);
      case "route-selected":
        return this.#routeSelected(event);
      case "attempt-start":
        return this.#attemptStart(event);
      case "attempt-end":
        return this.#attemptEnd(event);
      case "attempt-error":
        return this.#attemptError(event);
      case "rotation":
        return this.#rotation(event);
      case "stream-commit":
        return this.#streamCommit(event);
      case "stream-end":
        return this.#streamEnd(event);
      case "warning":
        return this.#warning(event);
      case "request-end":
        return this.#requestEnd(event);
      default:
        return;
    }
  }

  #requestStart(event: RequestStartEvent): void {
    if (typeof event.requestId !== "string" || this.#open.has(event.requestId)) return;
    while (this.#open.size >= this.maxOpenRequests) {
      const oldest = this.#open.values().next().value!;
      this.#abandon(oldest, event.timestamp, `evicted: more than ${this.maxOpenRequests} requests had open spans (its request-end never arrived)`);
    }
    const operation = operationName(event.kind);
    const requested = typeof event.requested === "string" ? event.requested : "";
    // A resumed stream (`<id>.resume`) nests under the request it continues; any other under the caller's active span.
    const resumed = event.requestId.endsWith(".resume") ? this.#open.get(event.requestId.slice(0, -".resume".length)) : undefined;
    const parent = resumed?.context ?? otelContext.active();
    const span = this.#tracer.startSpan(
      requested === "" ? operation : `${operation} ${requested}`,
      {
        kind: SpanKind.CLIENT,
        startTime: event.timestamp,
        attributes: clean({ [GEN_AI.operationName]: operation, [GEN_AI.requestModel]: requested || undefined, [MODELMESH.requestId]: event.requestId, [MODELMESH.stream]: event.stream === true }),
      },
      parent,
    );
    if (this.#captureContent) {
      const input = inputMessages(event.request);
      if (input !== undefined) span.setAttribute(GEN_AI.inputMessages, input);
    }
    this.#open.set(event.requestId, {
      requestId: event.requestId,
      span,
      context: otelTrace.setSpan(parent, span),
      operation,
      requested,
      stream: event.stream === true,
      startedAt: event.timestamp,
      attempts: new Map(),
    });
  }

  #routeSelected(event: RouteSelectedEvent): void {
    const open = this.#open.get(event.requestId);
    if (!open) return;
    open.selection = event;
    if (open.poolId === undefined && typeof event.poolId === "string") {
      open.poolId = event.poolId;
      open.span.setAttribute(MODELMESH.poolId, event.poolId);
    }
  }

  #attemptStart(event: AttemptStartEvent): void {
    const open = this.#open.get(event.requestId);
    if (!open || open.attempts.has(event.attempt)) return;
    const selection = open.selection?.attempt === event.attempt ? open.selection : undefined;
    const span = this.#tracer.startSpan(
      `${open.operation} ${event.modelId}`,
      {
        kind: SpanKind.CLIENT,
        startTime: event.timestamp,
        attributes: clean({
          [GEN_AI.operationName]: open.operation,
          [GEN_AI.requestModel]: event.modelId,
          [GEN_AI.providerName]: event.providerId,
          [MODELMESH.requestId]: open.requestId,
          [MODELMESH.attempt]: event.attempt,
          [MODELMESH.routeId]: event.routeId,
          [MODELMESH.modelId]: event.modelId,
          [MODELMESH.poolId]: open.poolId,
          [MODELMESH.stream]: open.stream,
          [MODELMESH.strategy]: selection?.strategy,
          [MODELMESH.selectionReason]: selection?.reason,
        }),
      },
      open.context,
    );
    open.attempts.set(event.attempt, { span, attempt: event.attempt, routeId: event.routeId, providerId: event.providerId, modelId: event.modelId });
  }

  #attemptEnd(event: AttemptEndEvent): void {
    const open = this.#open.get(event.requestId);
    const attempt = open?.attempts.get(event.attempt);
    if (!open || !attempt) return;
    attempt.endedAt = event.timestamp;
    attempt.inputTokens = event.promptTokens;
    attempt.outputTokens = event.completionTokens;
    attempt.span.setAttributes({ [GEN_AI.inputTokens]: event.promptTokens, [GEN_AI.outputTokens]: event.completionTokens });
    this.#countAttempt(open, attempt, { [MODELMESH.attemptOutcome]: "success", [MODELMESH.attemptAction]: "success" });
  }

  #attemptError(event: AttemptErrorEvent): void {
    const open = this.#open.get(event.requestId);
    const attempt = open?.attempts.get(event.attempt);
    if (!open || !attempt) return;
    attempt.span.setAttributes(clean({ [GEN_AI.errorType]: event.code, [MODELMESH.errorCategory]: event.category, [GEN_AI.httpStatus]: event.status, [MODELMESH.attemptAction]: event.action }));
    attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(event.code, event.message) });
    attempt.span.end(event.timestamp);
    open.attempts.delete(event.attempt);
    this.#countAttempt(open, attempt, { [MODELMESH.attemptOutcome]: "error", [MODELMESH.attemptAction]: event.action, [GEN_AI.errorType]: event.code, [MODELMESH.errorCategory]: event.category });
  }

  #rotation(event: RotationEvent): void {
    const open = this.#open.get(event.requestId);
    open?.span.addEvent("modelmesh.rotation", { "modelmesh.rotation.from": String(event.from), "modelmesh.rotation.to": String(event.to), [MODELMESH.rotationReason]: String(event.reason) }, event.timestamp);
    this.#metrics()?.failovers.add(1, clean({ [MODELMESH.poolId]: event.poolId, [MODELMESH.rotationReason]: event.reason, [GEN_AI.operationName]: open?.operation }));
  }

  #streamCommit(event: StreamCommitEvent): void {
    const open = this.#open.get(event.requestId);
    if (!open) return;
    const fromRequest = Math.max(0, event.timestamp - open.startedAt) / 1000;
    open.span.setAttribute(GEN_AI.timeToFirstChunk, fromRequest);
    const attempt = this.#attemptOn(open, event.routeId);
    if (attempt && typeof event.ttftMs === "number") attempt.span.setAttribute(GEN_AI.timeToFirstChunk, event.ttftMs / 1000);
    this.#metrics()?.timeToFirstChunk.record(fromRequest, clean({ [GEN_AI.operationName]: open.operation, [GEN_AI.requestModel]: open.requested || undefined, [GEN_AI.providerName]: attempt?.providerId, [MODELMESH.poolId]: open.poolId }));
  }

  #streamEnd(event: StreamEndEvent): void {
    const open = this.#open.get(event.requestId);
    if (!open || open.streamEnd) return;
    open.streamEnd = event;
    const attempt = this.#attemptOn(open, event.routeId);
    const usage = event.usage;
    if (usage) {
      open.inputTokens = usage.prompt_tokens;
      open.outputTokens = usage.completion_tokens;
    }
    if (attempt) {
      attempt.endedAt = event.timestamp;
      if (usage) {
        attempt.inputTokens = usage.prompt_tokens;
        attempt.outputTokens = usage.completion_tokens;
        attempt.span.setAttributes({ [GEN_AI.inputTokens]: usage.prompt_tokens, [GEN_AI.outputTokens]: usage.completion_tokens });
      }
      attempt.span.setAttribute(MODELMESH.chunks, event.chunks);
      if (!event.ok) {
        attempt.span.setAttribute(GEN_AI.errorType, event.code ?? "_OTHER");
        attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: `stream ended with ${event.code ?? "an error"}` });
      }
      this.#countAttempt(open, attempt, event.ok ? { [MODELMESH.attemptOutcome]: "success", [MODELMESH.attemptAction]: "success" } : { [MODELMESH.attemptOutcome]: "error", [GEN_AI.errorType]: event.code ?? "_OTHER" });
    }
    open.span.setAttribute(MODELMESH.chunks, event.chunks);
    if (!event.ok) {
      open.errorType = event.code ?? "_OTHER";
      open.span.setAttribute(GEN_AI.errorType, open.errorType);
      open.span.setStatus({ code: SpanStatusCode.ERROR, message: `stream ended with ${event.code ?? "an error"}` });
    }
    // The stream outlived the request's end (committed, then read to the end): the request is done now.
    if (open.end) this.#finish(open, Math.max(open.end.timestamp, event.timestamp));
  }

  #warning(event: WarningEvent): void {
    this.#open.get(event.requestId)?.span.addEvent("modelmesh.warning", clean({ message: scrub(String(event.message)), [MODELMESH.routeId]: event.routeId }), event.timestamp);
  }

  #requestEnd(event: RequestEndEvent): void {
    const open = this.#open.get(event.requestId);
    if (!open || open.end) return;
    open.end = event;
    const trace = event.trace;
    const final = trace?.final;
    if (open.poolId === undefined && trace?.resolution?.poolId) {
      open.poolId = trace.resolution.poolId;
      open.span.setAttribute(MODELMESH.poolId, open.poolId);
    }
    open.span.setAttribute(MODELMESH.attempts, event.attempts);
    this.#answer(open, event.response);
    if (final) {
      open.final = { routeId: final.routeId, providerId: final.providerId, responseModel: final.upstreamModel };
      open.span.setAttributes({ [GEN_AI.providerName]: final.providerId, [GEN_AI.responseModel]: final.upstreamModel, [MODELMESH.routeId]: final.routeId, [MODELMESH.modelId]: final.modelId });
    }
    if (!event.ok) {
      const last = trace?.attempts?.at(-1)?.error;
      open.errorType = event.code ?? "_OTHER";
      open.span.setAttributes(clean({ [GEN_AI.errorType]: open.errorType, [MODELMESH.errorCategory]: last?.category }));
      open.span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(open.errorType, last?.message) });
    }
    // Attempts still open: the successful one (ended now, with the response model) or one the request ended
    // under (a deadline or the caller's cancel, which has no attempt-error); its trace entry says why.
    for (const attempt of [...open.attempts.values()]) {
      const entry = trace?.attempts?.find((a) => a.attempt === attempt.attempt);
      if (final && attempt.routeId === final.routeId) attempt.span.setAttribute(GEN_AI.responseModel, final.upstreamModel);
      // Its own end event filtered out (`events`): the trace entry says how it went.
      if (attempt.endedAt === undefined && entry?.ok === true && !(open.stream && this.#wants("stream-end"))) attempt.endedAt = entry.startedAt + entry.latencyMs;
      if (attempt.endedAt !== undefined) {
        if (final && attempt.routeId === final.routeId) this.#recordUsage(open, attempt);
        attempt.span.end(attempt.endedAt);
        open.attempts.delete(attempt.attempt);
      } else if (!(event.ok && open.stream && this.#wants("stream-end"))) {
        const code = entry?.error?.code ?? event.code ?? "_OTHER";
        attempt.span.setAttributes(clean({ [GEN_AI.errorType]: code, [MODELMESH.errorCategory]: entry?.error?.category, [MODELMESH.attemptAction]: entry?.action }));
        attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(code, entry?.error?.message) });
        attempt.span.end(event.timestamp);
        open.attempts.delete(attempt.attempt);
        this.#countAttempt(open, attempt, clean({ [MODELMESH.attemptOutcome]: "error", [MODELMESH.attemptAction]: entry?.action, [GEN_AI.errorType]: code }));
      }
    }
    // A committed stream goes on after request-end: its span ends with the stream.
    if (open.stream && event.ok && !open.streamEnd && this.#wants("stream-end")) return;
    this.#finish(open, Math.max(event.timestamp, open.streamEnd?.timestamp ?? 0));
  }

  // -- helpers ----------------------------------------------------------------------------------------

  /** What a non-streamed answer tells (present when the bus captures payloads): id, finish reasons, content. */
  #answer(open: OpenRequest, response: unknown): void {
    if (!isRecord(response)) return;
    if (typeof response.id === "string") open.span.setAttribute(GEN_AI.responseId, response.id);
    const choices = Array.isArray(response.choices) ? response.choices.filter(isRecord) : [];
    const reasons = choices.map((c) => c.finish_reason).filter((r): r is string => typeof r === "string");
    if (reasons.length > 0) open.span.setAttribute(GEN_AI.finishReasons, reasons);
    if (this.#captureContent && choices.length > 0) {
      open.span.setAttribute(GEN_AI.outputMessages, outputMessages(choices));
    }
  }

  /** Whether events of `type` reach this connector (the `events` filter). */
  #wants(type: OtelEventType): boolean {
    return this.#filter.size === 0 || this.#filter.has(type);
  }

  /** The open attempt on `routeId` (the latest one when a route was retried). */
  #attemptOn(open: OpenRequest, routeId: string): OpenAttempt | undefined {
    let found: OpenAttempt | undefined;
    for (const attempt of open.attempts.values()) if (attempt.routeId === routeId) found = attempt;
    return found;
  }

  /** The successful attempt's usage becomes the request's. */
  #recordUsage(open: OpenRequest, attempt: OpenAttempt): void {
    if (attempt.inputTokens !== undefined) open.inputTokens = attempt.inputTokens;
    if (attempt.outputTokens !== undefined) open.outputTokens = attempt.outputTokens;
  }

  /** Ends the request span and its attempts, records the request's metrics, forgets it. */
  #finish(open: OpenRequest, endTime: number): void {
    this.#open.delete(open.requestId);
    for (const attempt of open.attempts.values()) {
      if (open.final && attempt.routeId === open.final.routeId) this.#recordUsage(open, attempt);
      attempt.span.end(attempt.endedAt ?? endTime);
    }
    open.attempts.clear();
    if (open.inputTokens !== undefined) open.span.setAttribute(GEN_AI.inputTokens, open.inputTokens);
    if (open.outputTokens !== undefined) open.span.setAttribute(GEN_AI.outputTokens, open.outputTokens);
    open.span.end(endTime);
    const instruments = this.#metrics();
    if (!instruments) return;
    const attributes = clean({
      [GEN_AI.operationName]: open.operation,
      [GEN_AI.requestModel]: open.requested || undefined,
      [GEN_AI.responseModel]: open.final?.responseModel,
      [GEN_AI.providerName]: open.final?.providerId,
      [GEN_AI.errorType]: open.errorType,
      [MODELMESH.poolId]: open.poolId,
    });
    instruments.duration.record(Math.max(0, endTime - open.startedAt) / 1000, attributes);
    if (open.inputTokens !== undefined) instruments.tokens.record(open.inputTokens, { ...attributes, [GEN_AI.tokenType]: "input" });
    if (open.outputTokens !== undefined) instruments.tokens.record(open.outputTokens, { ...attributes, [GEN_AI.tokenType]: "output" });
  }

  /** Ends a request that will not end by itself (evicted, or the connector closed), with an error status. */
  #abandon(open: OpenRequest, endTime: number, why: string): void {
    this.#open.delete(open.requestId);
    const end = Math.max(endTime, open.startedAt);
    for (const attempt of open.attempts.values()) {
      attempt.span.setAttribute(GEN_AI.errorType, INCOMPLETE_ERROR_TYPE);
      attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: why });
      attempt.span.end(attempt.endedAt ?? end);
    }
    open.attempts.clear();
    open.span.setAttribute(GEN_AI.errorType, INCOMPLETE_ERROR_TYPE);
    open.span.setStatus({ code: SpanStatusCode.ERROR, message: why });
    open.span.end(end);
  }

  #countAttempt(open: OpenRequest, attempt: OpenAttempt, outcome: Attributes): void {
    this.#metrics()?.attempts.add(1, { ...clean({ [GEN_AI.operationName]: open.operation, [GEN_AI.providerName]: attempt.providerId, [GEN_AI.requestModel]: attempt.modelId, [MODELMESH.routeId]: attempt.routeId, [MODELMESH.poolId]: open.poolId }), ...outcome });
  }

  /** The instruments, made at the first record (so a global meter provider registered after start-up is used). */
  #metrics(): Instruments | undefined {
    if (!this.#metricsEnabled) return undefined;
    if (this.#instruments) return this.#instruments;
    const meter = (this.#meterProvider ?? otelMetrics.getMeterProvider()).getMeter(OTEL_SCOPE_NAME, SCOPE_VERSION);
    this.#instruments = {
      duration: meter.createHistogram(METRICS.operationDuration, { unit: "s", description: "GenAI operation duration.", advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
      tokens: meter.createHistogram(METRICS.tokenUsage, { unit: "{token}", description: "Number of input and output tokens used.", advice: { explicitBucketBoundaries: TOKEN_BUCKETS } }),
      timeToFirstChunk: meter.createHistogram(METRICS.timeToFirstChunk, { unit: "s", description: "Time to the first chunk of a streamed response, from the request's start.", advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
      attempts: meter.createCounter(METRICS.attempts, { unit: "{attempt}", description: "Upstream attempts by outcome and the router's action after each." }),
      failovers: meter.createCounter(METRICS.failovers, { unit: "{failover}", description: "Requests moved from one route to another." }),
      cost: meter.createCounter(METRICS.cost, { unit: "{USD}", description: "Cost of requests in USD, as reported through log()." }),
    };
    return this.#instruments;
  }
}

/** Builds an {@link OtelObservability}. */
export function createOtelObservability(options: OtelObservabilityOptions = {}): OtelObservability {
  return new OtelObservability(options);
}

/** Attributes without undefined values (OpenTelemetry drops them with a warning). */
function clean(attributes: Record<string, string | number | boolean | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

/** Credentials scrubbed, length bounded: upstream messages may quote what they were sent. */
function scrub(text: string): string {
  const out = redactText(text);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

function statusMessage(code: string, message: string | undefined): string {
  return typeof message === "string" && message !== "" ? `${code}: ${scrub(message)}` : code;
}

/** `forceFlush()` of an SDK provider (through the global proxy's delegate); absent on the API's no-op ones. */
async function flushProvider(provider: unknown): Promise<void> {
  const p = provider as { getDelegate?: () => unknown; forceFlush?: () => Promise<void> };
  const target = (typeof p.getDelegate === "function" ? p.getDelegate() : p) as { forceFlush?: () => Promise<void> };
  if (typeof target?.forceFlush === "function") await target.forceFlush();
}
