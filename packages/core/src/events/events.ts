import type { ErrorCategory, ModelMeshErrorCode } from "../errors/model-mesh-error.js";
import type { DeactivationReason, RecoveryTrigger } from "../connectors/rotation.js";
import type { RoutingTrace } from "../router/trace.js";

interface EventBase {
  /** Epoch ms. */
  timestamp: number;
}

/** A request entered the router. */
export interface RequestStartEvent extends EventBase {
  type: "request-start";
  requestId: string;
  requested: string;
  kind: RoutingTrace["kind"];
  stream: boolean;
  /** The request body, only while {@link MeshEventBus.capturePayloads} is on (a `level: full` request log). */
  request?: unknown;
}

/** Candidates were resolved and filtered; a route was chosen for an attempt. */
export interface RouteSelectedEvent extends EventBase {
  type: "route-selected";
  requestId: string;
  poolId: string;
  routeId: string;
  strategy: string;
  reason: string;
  attempt: number;
  eligible: number;
  excluded: number;
}

/** An upstream attempt started. */
export interface AttemptStartEvent extends EventBase {
  type: "attempt-start";
  requestId: string;
  attempt: number;
  routeId: string;
  providerId: string;
  modelId: string;
}

/** An upstream attempt succeeded. */
export interface AttemptEndEvent extends EventBase {
  type: "attempt-end";
  requestId: string;
  attempt: number;
  routeId: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
}

/** An upstream attempt failed. */
export interface AttemptErrorEvent extends EventBase {
  type: "attempt-error";
  requestId: string;
  attempt: number;
  routeId: string;
  category: ErrorCategory;
  code: ModelMeshErrorCode;
  status?: number;
  action: string;
  delayMs?: number;
  message: string;
}

/** The request moved from one route to another. */
export interface RotationEvent extends EventBase {
  type: "rotation";
  requestId: string;
  poolId: string;
  from: string;
  to: string;
  reason: string;
}

/** A route went to standby (or its circuit opened). */
export interface RouteDeactivatedEvent extends EventBase {
  type: "route-deactivated";
  routeId: string;
  reason: DeactivationReason;
  until?: number;
  cooldownLevel: number;
}

/** A route came back (fully, or half-open for one probe). */
export interface RouteRecoveredEvent extends EventBase {
  type: "route-recovered";
  routeId: string;
  trigger: RecoveryTrigger;
  halfOpen: boolean;
}

/** A whole provider went to standby. */
export interface ProviderDeactivatedEvent extends EventBase {
  type: "provider-deactivated";
  providerId: string;
  reason: DeactivationReason;
  until?: number;
}

/** A provider came back. */
export interface ProviderRecoveredEvent extends EventBase {
  type: "provider-recovered";
  providerId: string;
  trigger: RecoveryTrigger;
}

/** A quota window filled up for a route. */
export interface QuotaExhaustedEvent extends EventBase {
  type: "quota-exhausted";
  routeId: string;
  window: string;
  resetsAt: number;
}

/**
 * The state store went out or came back (docs/state-stores.md). A live store: `degraded` (serving on local
 * state, policy `local`), `unavailable` (requests that need it fail, policy `fail`) or `ok` again. A snapshot
 * store: `degraded` while background saves fail (the changes stay pending), `ok` after the next save.
 */
export interface StoreStatusEvent extends EventBase {
  type: "store-status";
  /** `live` (shared, e.g. Redis) or `snapshot` (a memory store saved through a storage connector). */
  kind: "live" | "snapshot";
  state: "ok" | "degraded" | "unavailable";
  /** The live store's `storage.on_store_failure` (live stores only). */
  policy?: "local" | "fail";
  /** Why it is out (absent once `ok`). */
  error?: { code: string; message: string };
  /** Write-backs of local state done since start. */
  reconciliations: number;
}

/** A stream committed its first content to the caller. */
export interface StreamCommitEvent extends EventBase {
  type: "stream-commit";
  requestId: string;
  routeId: string;
  ttftMs: number;
}

/** A stream ended (cleanly or not). */
export interface StreamEndEvent extends EventBase {
  type: "stream-end";
  requestId: string;
  routeId: string;
  ok: boolean;
  chunks: number;
  code?: ModelMeshErrorCode;
  /** Usage reported by the upstream's final chunk, when it sent one. */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** A non-fatal problem during a request (e.g. a skipped malformed stream event); also on the routing trace. */
export interface WarningEvent extends EventBase {
  type: "warning";
  requestId: string;
  routeId?: string;
  message: string;
}

/** A discovery connector's health checks took a provider out of rotation or brought it back (`discovery.health`). */
export interface ProviderHealthEvent extends EventBase {
  type: "provider-health";
  providerId: string;
  healthy: boolean;
  consecutiveFailures: number;
  /** Why the last probe failed (absent when healthy). */
  error?: string;
}

/** A registry sync finished (`discovery.sync`): what the providers list now compared with the previous listing. */
export interface RegistrySyncEvent extends EventBase {
  type: "registry-sync";
  newModels: string[];
  deprecatedModels: string[];
  updatedModels: string[];
  errors: string[];
}

/** The recovery scheduler probed a route on standby (or a parked provider through one of its routes). */
export interface RouteProbeEvent extends EventBase {
  type: "route-probe";
  routeId: string;
  /** `half-open` (its cooldown ended), `standby` (an early, periodic probe), `startup`, or `provider`. */
  kind: "half-open" | "standby" | "startup" | "provider";
  /** True when the upstream answered: the route (or provider) is back. */
  ok: boolean;
  status?: number;
  category?: string;
}

/** A request finished. Carries the trace. */
export interface RequestEndEvent extends EventBase {
  type: "request-end";
  requestId: string;
  ok: boolean;
  latencyMs: number;
  attempts: number;
  code?: ModelMeshErrorCode;
  trace: RoutingTrace;
  /** The answer of a non-streamed request, only while {@link MeshEventBus.capturePayloads} is on. */
  response?: unknown;
}

/** Every event the core emits. */
export type MeshEvent =
  | RequestStartEvent
  | RouteSelectedEvent
  | AttemptStartEvent
  | AttemptEndEvent
  | AttemptErrorEvent
  | RotationEvent
  | RouteDeactivatedEvent
  | RouteRecoveredEvent
  | ProviderDeactivatedEvent
  | ProviderRecoveredEvent
  | QuotaExhaustedEvent
  | StoreStatusEvent
  | StreamCommitEvent
  | StreamEndEvent
  | WarningEvent
  | RequestEndEvent
  | ProviderHealthEvent
  | RegistrySyncEvent
  | RouteProbeEvent;

/** The `type` of any event. */
export type MeshEventType = MeshEvent["type"];

/** A listener for one event type (or all). */
export type MeshEventListener<T extends MeshEventType = MeshEventType> = (event: Extract<MeshEvent, { type: T }>) => void;

/**
 * A tiny typed event bus. Listener errors are caught and reported to `onListenerError` so a faulty
 * listener can never break routing.
 */
export class MeshEventBus {
  /**
   * Put request bodies on `request-start` and non-streamed answers on `request-end` (off by default: payloads
   * are large and may be sensitive). A request log at `level: full` turns it on.
   */
  capturePayloads = false;
  #listeners = new Map<MeshEventType | "*", Set<(event: MeshEvent) => void>>();
  #onListenerError: (error: unknown, event: MeshEvent) => void;

  constructor(options: { onListenerError?: (error: unknown, event: MeshEvent) => void } = {}) {
    this.#onListenerError = options.onListenerError ?? (() => {});
  }

  /** Subscribes to one event type, or `*` for all. Returns an unsubscribe function. */
  on<T extends MeshEventType>(type: T | "*", listener: MeshEventListener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const fn = listener as (event: MeshEvent) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** True when anyone listens (lets hot paths skip building events). */
  get active(): boolean {
    for (const set of this.#listeners.values()) if (set.size > 0) return true;
    return false;
  }

  /**
   * True when someone listens to `type` (or to `*`): the router builds an event only when it is wanted, so a
   * listener of a few types (the proxy's metrics) does not pay for all of them.
   */
  wants(type: MeshEventType): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0 || (this.#listeners.get("*")?.size ?? 0) > 0;
  }

  /** Delivers an event to its listeners and to `*` listeners. */
  emit(event: MeshEvent): void {
    this.#deliver(this.#listeners.get(event.type), event);
    this.#deliver(this.#listeners.get("*"), event);
  }

  #deliver(set: Set<(event: MeshEvent) => void> | undefined, event: MeshEvent): void {
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
