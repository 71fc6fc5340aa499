/**
 * CallbackObservability: hands events, request logs, statistics and traces to functions of the host program.
 * Handlers get the typed objects as the mesh produced them (no redaction: they run in the same process as
 * the secrets). A handler that throws or returns a rejected promise is reported to `onError` and never breaks
 * routing; `close()` waits for the promises handlers returned.
 */
import type { AggregateStats, ConnectorDescriptor, MeshEvent, ObservabilityConnectorV1, RequestLogEntry, Severity, TraceEntry } from "@modelmesh/core";
import { SEVERITY_ORDER } from "@modelmesh/cdk";
import { z } from "zod";
import { connectorSchema, sectionKeys } from "./observability-config.js";

/** What a handler may return: nothing, or a promise `close()` waits for. */
type HandlerResult = void | Promise<unknown>;

/** The functions a {@link CallbackObservability} calls; each is optional. */
export interface ObservabilityHandlers {
  /** Every event that passes the `events` filter. */
  onEvent?: (event: MeshEvent) => HandlerResult;
  /** Every request-log entry. */
  onLog?: (entry: RequestLogEntry) => HandlerResult;
  /** Every statistics flush (all scopes in one call). */
  onStats?: (stats: Record<string, AggregateStats>) => HandlerResult;
  /** Every trace at or above `minSeverity`. */
  onTrace?: (entry: TraceEntry) => HandlerResult;
}

/** Options of {@link CallbackObservability}. */
export interface CallbackObservabilityOptions {
  /** Connector id. Default `app.callback.v1`. */
  id?: string;
  /** Event types passed to `onEvent`; empty or absent = all. */
  eventFilter?: readonly string[];
  /** Traces below this severity are not passed to `onTrace`. Default `debug` (all). */
  minSeverity?: Severity;
  /** Stats scopes passed to `onStats` (`model`, `provider`, `pool`: the part before `:`); empty or absent = all. */
  scopes?: readonly string[];
  /** Receives what a handler threw or rejected with. Default: `console.error` of its message. */
  onError?: (error: unknown) => void;
}

/** Calls the host's handlers. */
export class CallbackObservability implements ObservabilityConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id: string;
  readonly #handlers: ObservabilityHandlers;
  readonly #events: ReadonlySet<string>;
  readonly #minSeverity: number;
  readonly #scopes: readonly string[];
  readonly #onError: (error: unknown) => void;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(handlers: ObservabilityHandlers, options: CallbackObservabilityOptions = {}) {
    this.id = options.id ?? "app.callback.v1";
    this.#handlers = handlers;
    this.#events = new Set(options.eventFilter ?? []);
    this.#minSeverity = SEVERITY_ORDER[options.minSeverity ?? "debug"] ?? 0;
    this.#scopes = options.scopes ?? [];
    this.#onError = options.onError ?? ((error) => console.error(`[modelmesh] [observability:${this.id}] a handler failed: ${String((error as Error)?.message ?? error)}`));
  }

  /** Passes the event to `onEvent` unless filtered out. */
  emit(event: MeshEvent): void {
    if (this.#events.size > 0 && !this.#events.has(event?.type)) return;
    this.#call(this.#handlers.onEvent, event);
  }

  /** Passes the entry to `onLog`. */
  log(entry: RequestLogEntry): void {
    this.#call(this.#handlers.onLog, entry);
  }

  /** Passes the stats (of the wanted scopes) to `onStats`; nothing when no scope is left. */
  flush(stats: Record<string, AggregateStats>): void {
    if (this.#scopes.length === 0) return this.#call(this.#handlers.onStats, stats);
    const kept = Object.fromEntries(Object.entries(stats ?? {}).filter(([scope]) => this.#scopes.includes(scope.split(":")[0]!)));
    if (Object.keys(kept).length > 0) this.#call(this.#handlers.onStats, kept);
  }

  /** Passes the trace to `onTrace` at or above the minimum severity. */
  trace(entry: TraceEntry): void {
    if ((SEVERITY_ORDER[entry?.severity] ?? 0) < this.#minSeverity) return;
    this.#call(this.#handlers.onTrace, entry);
  }

  /** Waits for the promises the handlers returned (their failures go to `onError`). */
  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #call<T>(handler: ((value: T) => HandlerResult) | undefined, value: T): void {
    if (!handler) return;
    try {
      const result = handler(value);
      if (result && typeof (result as Promise<unknown>).then === "function") {
        const tracked = Promise.resolve(result).then(
          () => undefined,
          (error: unknown) => this.#fail(error),
        );
        this.#pending.add(tracked);
        void tracked.finally(() => this.#pending.delete(tracked));
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // The error handler itself failed; there is nowhere left to report it.
    }
  }
}

/** Options of {@link callbackObservability}. */
export interface CallbackConnectorOptions extends Omit<CallbackObservabilityOptions, "id" | "eventFilter" | "minSeverity" | "scopes"> {
  /** Descriptor and instance id. Default `app.callback.v1`. */
  id?: string;
  /** Short names usable as `connector:` in the config. Default none. */
  aliases?: readonly string[];
  /** One-line description for listings. */
  description?: string;
}

/** Config keys of a callback connector: the section's keys, plus `min_severity` for traces. */
const callbackShape = { ...sectionKeys, min_severity: z.enum(["debug", "info", "warning", "error", "critical"]).optional() };

/**
 * A connector descriptor that calls `handlers`, for code users: register it, then name its id (or an alias) as
 * the `connector` of an observability section. Section `events` filters `onEvent`; `min_severity` filters
 * `onTrace`; `scopes` filters `onStats`.
 */
export function callbackObservability(handlers: ObservabilityHandlers, options: CallbackConnectorOptions = {}): ConnectorDescriptor<z.infer<ReturnType<typeof callbackSchema>>, CallbackObservability> {
  const id = options.id ?? "app.callback.v1";
  return {
    id,
    type: "observability",
    specificationVersion: "v1",
    ...(options.aliases ? { aliases: options.aliases } : {}),
    runtime: "universal",
    description: options.description ?? "Calls the host program's functions with events, logs, statistics and traces.",
    configSchema: callbackSchema(id),
    create: (config) =>
      new CallbackObservability(handlers, {
        id,
        ...(options.onError ? { onError: options.onError } : {}),
        ...(config.events ? { eventFilter: config.events } : {}),
        ...(config.min_severity ? { minSeverity: config.min_severity } : {}),
        ...(config.scopes ? { scopes: config.scopes } : {}),
      }),
  };
}

function callbackSchema(id: string) {
  return connectorSchema(id, callbackShape);
}
