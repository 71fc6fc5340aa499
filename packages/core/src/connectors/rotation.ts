import type { ErrorCategory } from "../errors/model-mesh-error.js";
import type { ChatCompletionRequest } from "../wire/chat.js";
import type { ModelFeatures, ModelPricing, RateLimitInfo } from "./provider.js";

/** Whether a route (model on provider) or provider takes traffic. */
export type RouteStatus = "active" | "standby";

/** Why a route or provider went to standby. */
export type DeactivationReason =
  | "error_threshold"
  | "error_rate"
  | "error_code"
  | "rate_limited"
  | "quota_exhausted"
  | "budget_exceeded"
  | "token_limit"
  | "request_limit"
  | "maintenance_window"
  | "auth_failure"
  | "endpoint_unreachable"
  | "manual";

/** What brought a route or provider back. */
export type RecoveryTrigger = "cooldown_expired" | "quota_reset" | "probe_success" | "manual" | "startup_probe";

/** Circuit state of a route. */
export type CircuitState = "closed" | "open" | "half-open";

/**
 * A read-only view of one route's state, handed to selection, deactivation and recovery policies.
 * Times are absolute epoch milliseconds; durations are milliseconds.
 */
export interface RouteSnapshot {
  /** `<provider>/<model>`: the unit of state. */
  routeId: string;
  /** Model id in the config (`openai.gpt-4o`). */
  modelId: string;
  /** Vendor model id sent upstream (`gpt-4o`). */
  upstreamModel: string;
  /** Provider instance id. */
  providerId: string;
  /** Position in the pool's declared order (0 = first). Ties break on it. */
  order: number;
  /** Active or standby. */
  status: RouteStatus;
  /** Why it is on standby. */
  reason?: DeactivationReason;
  /** Circuit state. */
  circuit: CircuitState;
  /** When standby ends or the circuit half-opens (epoch ms). */
  standbyUntil?: number;
  /** How many times in a row this route has been cooled without a success since (drives cooldown growth). */
  cooldownLevel: number;
  /** Consecutive failures since the last success. */
  consecutiveFailures: number;
  /** Failures / samples over the rolling window (0 when fewer than the minimum samples). */
  errorRate: number;
  /** Samples in the rolling window. */
  windowSamples: number;
  /** Latency EWMA in ms (undefined before the first success). */
  latencyEwmaMs?: number;
  /** Requests currently in flight on this route (this instance). */
  inFlight: number;
  /** Last time the route was selected (epoch ms). */
  lastUsedAt?: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  /** Category of the last failure. */
  lastErrorCategory?: ErrorCategory;
  /** Limits learned from response headers. */
  rateLimit?: RateLimitInfo & { observedAt: number };
  /** Counters of the current quota windows. */
  usage: {
    requestsMinute: number;
    requestsDay: number;
    tokensMinute: number;
    tokensDay: number;
    costDay: number;
    costMonth: number;
  };
  /** Declared prices. */
  pricing?: ModelPricing;
  /** Declared context window. */
  contextWindow?: number;
  /** Declared features. */
  features: ModelFeatures;
}

/** What identifies a route, without its state (for {@link SelectionStrategyV1.staticRank}). */
export type RouteIdentity = Pick<RouteSnapshot, "routeId" | "modelId" | "upstreamModel" | "providerId" | "order">;

/** Everything a selection strategy may look at besides the candidates. */
export interface SelectionContext {
  /** Pool id the request resolved to. */
  poolId: string;
  /** The request (vendor-neutral OpenAI shape). */
  request: ChatCompletionRequest | Record<string, unknown>;
  /** Session key, when the request carries one (header, `user`, or metadata). */
  sessionKey?: string;
  /** Current time (epoch ms, from the mesh clock). */
  now: number;
  /** Deterministic random source in [0, 1) (seeded in tests). */
  random: () => number;
  /** Estimated prompt tokens of the request. */
  estimatedPromptTokens: number;
  /** Route ids already tried (and failed) in this request. */
  tried: readonly string[];
  /**
   * Route ids of the pool that are out for state reasons (standby, open circuit, provider down, quota, tried).
   * A pool member that is neither a candidate nor in this set was filtered by the request's requirements.
   */
  unavailable: ReadonlySet<string>;
  /** How many pool members this request's requirements filtered out (0 = it sees the whole pool). */
  requirementFiltered: number;
}

/** A selection and why. */
export interface SelectionResult {
  /** The chosen candidate's route id. */
  routeId: string;
  /** Score (higher = better), when the strategy scores. */
  score?: number;
  /** Short human-readable reason, recorded in the trace. */
  reason: string;
}

/** Picks one candidate among those that passed the requirement and state filters. */
export interface SelectionStrategyV1 {
  readonly specificationVersion: "v1";
  /** Connector id, e.g. `modelmesh.stick-until-failure.v1`. */
  readonly id: string;
  /** Chooses a candidate, or null if none is acceptable. Candidates arrive in pool order. */
  select(candidates: readonly RouteSnapshot[], context: SelectionContext): SelectionResult | null;
  /** Optional per-candidate score (higher = better), used in traces and by composite strategies. */
  score?(candidate: RouteSnapshot, context: SelectionContext): number;
  /**
   * Optional, for strategies whose choice is "the best-ranked available candidate" (priority): a fixed rank
   * from the candidate's identity alone (lower = preferred, undefined = not ranked). It must not depend on
   * state, the request or time, and `select` must choose the best-ranked candidate it is given (ties on pool
   * order) when that one is ranked. The router then walks the candidates in rank order and calls `select`
   * with only the first available one, so a pool of thousands costs what a pool of a few does; when no ranked
   * candidate is available, `select` gets every available candidate as usual.
   */
  staticRank?(candidate: RouteIdentity): number | undefined;
  /** Called after each attempt so stateful strategies (stickiness, latency) can learn. */
  observe?(outcome: { routeId: string; ok: boolean; latencyMs: number; poolId: string; sessionKey?: string }): void;
}

/** The outcome of one attempt, as seen by deactivation policies. */
export interface AttemptOutcome {
  ok: boolean;
  /** Error category, when it failed. */
  category?: ErrorCategory;
  /** HTTP status, when there was one. */
  status?: number;
  /** Upstream-requested wait. */
  retryAfterMs?: number;
  latencyMs: number;
  tokens: number;
  costUsd: number;
}

/** A decision to put a route on standby. */
export interface DeactivationDecision {
  reason: DeactivationReason;
  /** Absolute time the route may be reconsidered; undefined = ask the recovery policy. */
  until?: number;
}

/** Decides after each attempt whether a route goes to standby. */
export interface DeactivationPolicyV1 {
  readonly specificationVersion: "v1";
  readonly id: string;
  /** Returns a decision, or null to keep the route active. `snapshot` already includes `outcome`. */
  evaluate(snapshot: RouteSnapshot, outcome: AttemptOutcome, now: number): DeactivationDecision | null;
}

/** Decides when a route on standby comes back. */
export interface RecoveryPolicyV1 {
  readonly specificationVersion: "v1";
  readonly id: string;
  /** Absolute time (epoch ms) the route may be probed again after going to standby for `reason`. */
  recoveryTime(snapshot: RouteSnapshot, reason: DeactivationReason, now: number): number;
  /** Whether a half-open probe (one request) is used instead of a full reactivation. Default true. */
  readonly probe?: boolean;
}

/** The three replaceable parts of a pool's rotation policy. */
export interface RotationPolicySet {
  selection: SelectionStrategyV1;
  deactivation: DeactivationPolicyV1;
  recovery: RecoveryPolicyV1;
}
