import type { AbortWatch } from "../internal/abort.js";
import type { ModelDelivery, ModelFeatures, ModelPricing, ProviderConnectorV1, ResponseLimits } from "../connectors/provider.js";
import type { RotationPolicySet } from "../connectors/rotation.js";
import type { QuotaLimits } from "../state/ledger-types.js";
import type { FirstTokenSetting } from "./first-token.js";
import type { StreamCommit } from "./stream-guard.js";
import type { RoutingTrace } from "./trace.js";
import type { QuotaClock } from "../state/quota-windows.js";

export type { QuotaClock, QuotaLimits };

/** A concrete model on a provider, as the router sees it. */
export interface RouterModel {
  /** Config id (`openai.gpt-4o`). */
  id: string;
  providerId: string;
  /** Vendor model id sent upstream. */
  upstreamModel: string;
  /** Full capability leaf paths. */
  capabilities: string[];
  contextWindow?: number;
  maxOutputTokens?: number;
  features: ModelFeatures;
  delivery: ModelDelivery;
  pricing?: ModelPricing;
  limits?: QuotaLimits;
  /** First-token budget of this model (`models.<id>.timeouts.first_token`); wins over pool and provider. */
  firstTokenMs?: FirstTokenSetting;
}

/** A provider instance with its limits. */
export interface RouterProvider {
  id: string;
  connector: ProviderConnectorV1;
  limits?: QuotaLimits;
  quotaClock?: QuotaClock;
  /** Per-attempt timeouts overriding the routing defaults. */
  timeouts?: Partial<{ connectMs: number; firstTokenMs: FirstTokenSetting; idleMs: number; responseMs: number }>;
  /** Response size limits handed to every call (`providers.<name>.limits`). */
  responseLimits?: ResponseLimits;
}

/** Retry budgets of a pool. */
export interface RetrySettings {
  /** Retries on the same route for retryable errors (server, network, rate limit within the deadline). */
  maxSameRouteRetries: number;
  /** Upper bound of attempts in one request across all routes. */
  maxTotalAttempts: number;
  backoff: "fixed" | "exponential_jitter" | "retry_after";
  initialDelayMs: number;
  maxDelayMs: number;
  honorRetryAfter: boolean;
  /**
   * `retry.retryable_codes`: HTTP statuses retried on the same route. A server, network or rate-limit failure with
   * another status rotates at once; a listed status of another category is retried too. Absent: the error table.
   */
  retryableStatuses?: readonly number[];
  /** `retry.non_retryable_codes`: HTTP statuses never retried on the same route (wins over the list above). */
  nonRetryableStatuses?: readonly number[];
}

/** A pool: a capability node and/or explicit members, with its policies. */
export interface RouterPool {
  id: string;
  /** Target capability node (full path), when the pool is capability-based. */
  capability?: string;
  /** Member model ids in preference order. */
  members: string[];
  policies: RotationPolicySet;
  retry: RetrySettings;
  /** End-to-end deadline for requests through this pool. */
  deadlineMs?: number;
  /** Rotate on a content filter instead of surfacing it. */
  failoverOnContentFilter: boolean;
  /** Where the session key comes from (session-stickiness). */
  session?: { header?: string; field?: string };
  /** First-token budget for requests through this pool (`pools.<id>.timeouts.first_token`). */
  firstTokenMs?: FirstTokenSetting;
  /** Stream commit mode of this pool (`pools.<id>.stream.commit`). */
  streamCommit?: StreamCommit;
}

/** Options of one routed request. */
export interface RequestOptions {
  /** Cancels the request (all attempts). */
  signal?: AbortSignal;
  /**
   * Cancels the request, as an {@link AbortWatch} (e.g. a `LazyAbort`): cheaper to follow than `signal`, which
   * it replaces when both are given (docs/ARCHITECTURE.md §2.5).
   */
  abort?: AbortWatch;
  /** Overrides the end-to-end deadline. */
  deadlineMs?: number;
  /** Request id for correlation (generated otherwise). */
  requestId?: string;
  /** Incoming headers (session keys). Never forwarded upstream. */
  headers?: Record<string, string>;
  /**
   * Resume a committed stream that breaks on another model that accepts an assistant prefill (partial text
   * sent as the prefill, overlap removed, usage merged). Default: `routing.stream.resume`.
   */
  resume?: boolean;
  /** When a stream's output is released (overrides the pool's and `routing.stream.commit`). */
  streamCommit?: StreamCommit;
}

/** A routed result and its trace. */
export interface Routed<T> {
  value: T;
  trace: RoutingTrace;
}

/** Default per-attempt timeouts and deadline. */
export interface RoutingDefaults {
  deadlineMs: number;
  connectMs: number;
  /** First-token budget of streams: a number of ms, or `auto` (learned per route). */
  firstTokenMs: FirstTokenSetting;
  idleMs: number;
  /** Bound on a whole non-streamed response. Default: only the deadline. */
  responseMs?: number;
  /** Resume interrupted streams on a prefill-capable model (opt-in). */
  resumeStreams?: boolean;
  /** Stream commit mode. Default `first_token`. */
  streamCommit?: StreamCommit;
}
