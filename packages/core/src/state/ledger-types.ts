import type {
  CircuitState,
  DeactivationPolicyV1,
  DeactivationReason,
  RecoveryPolicyV1,
  RouteSnapshot,
  RouteStatus,
} from "../connectors/rotation.js";
import type { ModelFeatures, ModelPricing, RateLimitInfo } from "../connectors/provider.js";
import type { ErrorCategory } from "../errors/model-mesh-error.js";
import type { MeshEventBus } from "../events/events.js";
import type { Clock } from "../internal/clock.js";
import type { QuotaClock } from "./quota-windows.js";
import type { StateStore } from "./state-store.js";

/**
 * Quota caps of a route or a provider, counted by the ledger in windows that follow the provider's
 * {@link QuotaClock}. Every field is optional; an absent cap is not enforced (usage is still counted).
 */
export interface QuotaLimits {
  /** Requests per fixed UTC minute. */
  requestsPerMinute?: number;
  /** Requests per quota day (starts at the clock's reset time). */
  requestsPerDay?: number;
  /** Prompt + completion tokens per minute. */
  tokensPerMinute?: number;
  /** Prompt + completion tokens per quota day. */
  tokensPerDay?: number;
  /** USD per quota day. */
  costPerDay?: number;
  /** USD per quota month (from the 1st at the reset time). */
  costPerMonth?: number;
}

/** One route (a model on a provider) as the router describes it to the ledger. Built once from config. */
export interface RouteDescriptor {
  /** `<provider>/<model>`: the key of all per-route state. */
  routeId: string;
  /** Provider instance id (config name). */
  providerId: string;
  /** Model id in the config (`openai.gpt-4o`). */
  modelId: string;
  /** Vendor model id sent upstream (`gpt-4o`). */
  upstreamModel: string;
  /** Position in the pool's declared order (0 = first). */
  order: number;
  /** Declared prices. */
  pricing?: ModelPricing;
  /** Declared context window in tokens. */
  contextWindow?: number;
  /** Declared features. */
  features?: ModelFeatures;
  /** Per-route caps. */
  limits?: QuotaLimits;
  /** When this route's day/month windows reset (normally the provider's clock). Default UTC midnight. */
  quotaClock?: QuotaClock;
}

/** One provider as the router describes it to the ledger. */
export interface ProviderDescriptor {
  /** Provider instance id (config name). */
  providerId: string;
  /** Provider-wide caps, shared by all its routes (e.g. `budget.daily_limit` → `costPerDay`). */
  limits?: QuotaLimits;
  /** When the provider's day/month windows reset. Default UTC midnight. */
  quotaClock?: QuotaClock;
}

/** The two policies the ledger consults (a `RotationPolicySet` fits). */
export interface LedgerPolicies {
  deactivation: DeactivationPolicyV1;
  recovery: RecoveryPolicyV1;
}

/**
 * What the ledger hands to policies: a {@link RouteSnapshot} plus ledger detail that the shipped threshold
 * policy uses when present. Third-party policies can rely on the base interface alone.
 */
export interface LedgerRouteSnapshot extends RouteSnapshot {
  /**
   * The rolling window, oldest first, one entry per counted outcome: `0` = success, otherwise the HTTP
   * status of the failure, or `1` for a failure without a status (network, timeout). Read-only.
   */
  recentOutcomes: readonly number[];
  /** The route's quota clock, so policies can compute reset instants. */
  quotaClock?: QuotaClock;
}

/** Why {@link StateLedger.acquire} refused, for the routing trace and for the state filter. */
export type AcquireRefusalKind = "provider" | "route" | "probe" | "rate_limit" | "quota";

/** Result of {@link StateLedger.acquire}. */
export type AcquireResult =
  | {
      ok: true;
      /** True when this request is the single half-open probe of the route: its outcome closes or re-opens it. */
      probe: boolean;
      /** True when this request is the probe of its provider's endpoint after a connection-failure standby. */
      endpointProbe?: boolean;
    }
  | {
      ok: false;
      /** Stable short text, e.g. `route standby: error_threshold`, `quota: provider requests-per-day`. */
      reason: string;
      /** Machine-readable class of the refusal. */
      kind: AcquireRefusalKind;
      /** When trying again can succeed (epoch ms), when known. */
      retryAt?: number;
    };

/** What the router reports after a successful attempt. */
export interface SuccessReport {
  /** Attempt latency in ms (feeds the EWMA). */
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** Cost of the attempt in USD. */
  costUsd: number;
  /** Limits read from the response headers, if any. */
  rateLimit?: RateLimitInfo;
}

/** What the router reports after a failed attempt (the classified error). */
export interface FailureReport {
  category: ErrorCategory;
  /** Upstream HTTP status, if there was one. */
  status?: number;
  /** Upstream-requested wait in ms (`Retry-After`). */
  retryAfterMs?: number;
  latencyMs: number;
}

/** Result of a `record*` call. */
export interface RecordResult {
  /** Human-readable state transitions caused by this outcome, for the routing trace (`route standby: error_threshold`). */
  stateChanges: string[];
  /** When the route went to standby, the instant it may be probed again (epoch ms). */
  standbyUntil?: number;
}

/** A provider's availability. */
export interface ProviderStatus {
  status: RouteStatus;
  /** Why it is on standby. */
  reason?: DeactivationReason;
  /** When standby ends by itself (epoch ms); undefined while on standby = until `reactivateProvider`. */
  until?: number;
  /** When it went to standby (epoch ms). */
  since?: number;
  /**
   * True after an `endpoint_unreachable` standby ended: one request at a time may try the endpoint (the
   * probe); its answer, any answer, clears this, another connection failure parks it again for longer.
   */
  probing?: boolean;
}

/** Counters of the current quota windows (same shape as `RouteSnapshot.usage`). */
export type WindowCounters = RouteSnapshot["usage"];

/** Counters of the current windows of a route, plus when each window resets. */
export interface QuotaUsage extends WindowCounters {
  /** Reset instants (epoch ms) of the current minute, day and month windows in the route's quota clock. */
  resetsAt: { minute: number; day: number; month: number };
}

/**
 * The persisted per-route record (one JSON value per route in the store). Absolute instants only, so a
 * record reloaded after a restart still means the same thing.
 */
export interface RouteRecord {
  status: RouteStatus;
  /** Reason of the current (or, while half-open, the last) standby. */
  reason?: DeactivationReason;
  circuit: CircuitState;
  /** Epoch ms when standby ends; undefined while on standby = manual only. */
  standbyUntil?: number;
  /** When the current standby began (epoch ms). */
  deactivatedAt?: number;
  /** Whether recovery goes through a half-open probe (from the recovery policy). Default true. */
  probe?: boolean;
  cooldownLevel: number;
  consecutiveFailures: number;
  /** See {@link LedgerRouteSnapshot.recentOutcomes}. */
  recent: readonly number[];
  latencyEwmaMs?: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastErrorCategory?: ErrorCategory;
  rateLimit?: RateLimitInfo & { observedAt: number };
}

/** The persisted per-provider record. */
export interface ProviderRecord {
  status: RouteStatus;
  reason?: DeactivationReason;
  /** Epoch ms; undefined while on standby = manual only. */
  until?: number;
  /** When it went to standby (epoch ms). */
  since?: number;
  /** Connection-failure parks in a row without an answer since (drives the endpoint cooldown's growth). */
  endpointLevel?: number;
  /** The endpoint's standby ended; the next admitted request is its probe. */
  probing?: boolean;
}

/** Options of {@link StateLedger}. */
export interface StateLedgerOptions {
  /** Where state lives: a `MemoryStateStore` by default, Redis when several instances share state. */
  store: StateStore;
  /** Time source (inject a manual clock in tests). */
  clock: Clock;
  /** Receives `route-*`, `provider-*` and `quota-exhausted` events. */
  events?: MeshEventBus;
  /** Prefix of every key this ledger writes. Default `mm:`. */
  keyPrefix?: string;
  /** Length of the rolling outcome window behind `errorRate`. Default 20. */
  errorRateWindow?: number;
  /** Samples needed before `errorRate` is non-zero. Default 5. */
  errorRateMinSamples?: number;
  /** Lifetime of a half-open probe lease, so a crashed probe cannot wedge a route. Default 60 000 ms. */
  probeLeaseMs?: number;
  /**
   * How long a probe lease outlives `release()` when no outcome was recorded first, so that a
   * `record*` call made right after `release()` still lands before a second probe starts. Default 1 000 ms.
   */
  probeReleaseGraceMs?: number;
  /** Identifies this process in probe leases. Default: random. */
  instanceId?: string;
  /** Called after every state write (wire `StateSync.notifyChange` here for the `immediate` policy). */
  onChange?: () => void;
  /**
   * For a store without `watch` (another instance may write it): how old the index of out-of-service routes
   * and providers may get before the ledger re-reads their records from the store, in the background.
   * Default 5 000 ms. A store with `watch` keeps the index fresh by itself.
   */
  availabilityRefreshMs?: number;
}
