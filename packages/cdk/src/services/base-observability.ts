/**
 * BaseObservability: filter → format (to a plain record) → STRUCTURAL redaction → serialise → `write(line)`.
 * Subclasses override `write` (console, file, HTTP) and, for human output, `formatLine`. Every method is
 * fire-and-forget: a failing sink is reported to `onError` and never throws into routing.
 */
import { systemClock, type Clock } from "@modelmesh/core";
import type { AggregateStats, MeshEvent, MeshEventType, ObservabilityConnectorV1, RequestLogEntry, Severity, TraceEntry } from "@modelmesh/core";
import { SEVERITY_ORDER, type LogLevel } from "../helpers/enums.js";
import { redactObject } from "../helpers/redact.js";

/** A formatted observability record before serialisation. `kind` says which method produced it. */
export type ObservabilityRecord = { kind: "event" | "log" | "stats" | "trace"; timestamp: string } & Record<string, unknown>;

/** Options of {@link BaseObservability}. */
export interface ObservabilityOptions {
  /** Connector id. Default `modelmesh.base-observability.v1`. */
  id?: string;
  /** Event types to keep; empty = all. */
  eventFilter?: readonly MeshEventType[];
  /** Request-log detail: `metadata` (ids, status, latency), `summary` (+ tokens, cost), `full` (+ error code). Default `metadata`. */
  logLevel?: LogLevel;
  /** Traces below this severity are dropped. Default `info`. */
  minSeverity?: Severity;
  /** Redact secret-looking keys and credentials in text before writing. Default true. */
  redactSecrets?: boolean;
  /** Extra key names to redact. */
  redactKeys?: readonly string[];
  /** Include event details beyond type, time and ids (`trace` of request-end only at `full`). Default true. */
  includeMetadata?: boolean;
  /** Stats scopes to flush (`model`, `provider`, `pool`, `route`…: the part before `:`). Empty = all. */
  scopes?: readonly string[];
  /** Receives errors thrown by `write`. Default: ignore (a log sink must never break routing). */
  onError?: (error: unknown) => void;
  /** Time source for records without their own timestamp (stats). Default: the system clock. */
  clock?: Clock;
}

const ID_KEYS = ["requestId", "routeId", "poolId", "providerId", "modelId"] as const;

/** Structured, redacting observability pipeline with a single `write(line)` sink hook. */
export class BaseObservability implements ObservabilityConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id: string;
  /** Resolved options. */
  protected readonly options: Readonly<Required<Omit<ObservabilityOptions, "onError" | "clock">>> & Pick<ObservabilityOptions, "onError">;
  /** Time source. */
  protected readonly clock: Clock;
  readonly #eventFilter: ReadonlySet<string>;

  constructor(options: ObservabilityOptions = {}) {
    this.id = options.id ?? "modelmesh.base-observability.v1";
    this.clock = options.clock ?? systemClock;
    this.options = {
      id: this.id,
      eventFilter: options.eventFilter ?? [],
      logLevel: options.logLevel ?? "metadata",
      minSeverity: options.minSeverity ?? "info",
      redactSecrets: options.redactSecrets ?? true,
      redactKeys: options.redactKeys ?? [],
      includeMetadata: options.includeMetadata ?? true,
      scopes: options.scopes ?? [],
      onError: options.onError,
    };
    this.#eventFilter = new Set(this.options.eventFilter);
  }

  /** Routes an event through the pipeline unless filtered out. */
  emit(event: MeshEvent): void {
    if (this.#eventFilter.size > 0 && !this.#eventFilter.has(event.type)) return;
    this.#output(() => this.formatEvent(event));
  }

  /** Writes one request-log entry. */
  log(entry: RequestLogEntry): void {
    this.#output(() => this.formatLog(entry));
  }

  /** Writes one record per scope (filtered by `scopes`). */
  flush(stats: Record<string, AggregateStats>): void {
    const scopes = this.options.scopes;
    for (const [scope, values] of Object.entries(stats)) {
      if (scopes.length > 0 && !scopes.includes(scope.split(":")[0]!)) continue;
      this.#output(() => this.formatStats(scope, values));
    }
  }

  /** Writes a trace at or above `minSeverity`. */
  trace(entry: TraceEntry): void {
    if ((SEVERITY_ORDER[entry.severity] ?? 0) < (SEVERITY_ORDER[this.options.minSeverity] ?? 1)) return;
    this.#output(() => this.formatTrace(entry));
  }

  /** Nothing to release in the base. */
  async close(): Promise<void> {}

  // -- hooks ------------------------------------------------------------------------------------------

  /** Event → record. */
  protected formatEvent(event: MeshEvent): ObservabilityRecord {
    const { type, timestamp, ...rest } = event as MeshEvent & Record<string, unknown>;
    const record: ObservabilityRecord = { kind: "event", timestamp: iso(timestamp), type };
    if (!this.options.includeMetadata) {
      for (const key of ID_KEYS) if (rest[key] !== undefined) record[key] = rest[key];
      return record;
    }
    for (const [key, value] of Object.entries(rest)) {
      if (key === "trace" && this.options.logLevel !== "full") continue;
      // `kind` marks the record type; an event's own `kind` (the endpoint of request-start) is renamed.
      record[key === "kind" ? "requestKind" : key] = value;
    }
    return record;
  }

  /** Request log → record, fields by `logLevel`. */
  protected formatLog(entry: RequestLogEntry): ObservabilityRecord {
    const record: ObservabilityRecord = {
      kind: "log",
      timestamp: iso(entry.timestamp),
      requestId: entry.requestId,
      poolId: entry.poolId,
      modelId: entry.modelId,
      providerId: entry.providerId,
      requestKind: entry.kind,
      stream: entry.stream,
      ok: entry.ok,
      status: entry.status,
      latencyMs: entry.latencyMs,
      attempts: entry.attempts,
    };
    if (this.options.logLevel !== "metadata") Object.assign(record, { promptTokens: entry.promptTokens, completionTokens: entry.completionTokens, costUsd: entry.costUsd });
    if (this.options.logLevel === "full" && entry.errorCode !== undefined) record.errorCode = entry.errorCode;
    return record;
  }

  /** Stats of one scope → record. */
  protected formatStats(scope: string, stats: AggregateStats): ObservabilityRecord {
    return { kind: "stats", timestamp: iso(this.clock.now()), scope, ...stats };
  }

  /** Trace → record. */
  protected formatTrace(entry: TraceEntry): ObservabilityRecord {
    const record: ObservabilityRecord = { kind: "trace", timestamp: iso(entry.timestamp), severity: entry.severity, component: entry.component, message: entry.message };
    if (entry.metadata && Object.keys(entry.metadata).length > 0) record.metadata = entry.metadata;
    return record;
  }

  /** Record → one line. Default: compact JSON without a trailing newline. */
  protected formatLine(record: ObservabilityRecord): string {
    return JSON.stringify(record, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  }

  /** The sink. Default: discard. Override in subclasses. */
  protected write(_line: string, _record: ObservabilityRecord): void {}

  #output(build: () => ObservabilityRecord): void {
    try {
      const raw = build();
      const record = this.options.redactSecrets ? redactObject(raw, { extraKeys: this.options.redactKeys }) : raw;
      this.write(this.formatLine(record), record);
    } catch (error) {
      try {
        this.options.onError?.(error);
      } catch {
        // The error handler itself failed; there is nowhere left to report it.
      }
    }
  }
}

function iso(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
}

/** Discards everything at zero cost (`modelmesh.null.v1`): the default when no observability is configured. */
export class NullObservability implements ObservabilityConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id = "modelmesh.null.v1";
  /** Discards the event. */
  emit(_event: MeshEvent): void {}
  /** Discards the entry. */
  log(_entry: RequestLogEntry): void {}
  /** Discards the stats. */
  flush(_stats: Record<string, AggregateStats>): void {}
  /** Discards the trace. */
  trace(_entry: TraceEntry): void {}
  /** Nothing to release. */
  async close(): Promise<void> {}
}
