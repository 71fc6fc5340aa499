import type { DeactivationReason, RecoveryTrigger } from "../connectors/rotation.js";
import type { RateLimitInfo } from "../connectors/provider.js";
import type { ErrorCategory } from "../errors/model-mesh-error.js";
import type {
  FailureReport,
  LedgerRouteSnapshot,
  ProviderRecord,
  RouteDescriptor,
  RouteRecord,
  SuccessReport,
} from "./ledger-types.js";

// Pure transitions of the persisted records. They never mutate their input (the store keeps references)
// and return the input itself when nothing changes, so `updateState` skips the write.

/** Latency EWMA smoothing factor (weight of the newest sample). */
export const LATENCY_EWMA_ALPHA = 0.3;

/**
 * Failure categories that say something about the route's health: they count toward consecutive failures
 * and the rolling error-rate window.
 */
export const HEALTH_CATEGORIES: ReadonlySet<ErrorCategory> = /* @__PURE__ */ new Set<ErrorCategory>([
  "rate_limit",
  "server",
  "network",
  "timeout",
  "stream_interrupted",
]);

/**
 * Categories that count against no route: the caller's fault or choice (a bad request, too long a prompt,
 * filtered content, a cancel) and failures raised by ModelMesh itself (docs/ARCHITECTURE.md §2.6).
 */
// The one definition, read by the router and the ledger: `config` and `routing` are included, they never come from the upstream.
export const CALLER_CATEGORIES: ReadonlySet<ErrorCategory> = /* @__PURE__ */ new Set<ErrorCategory>([
  "invalid_request",
  "context_length",
  "content_filter",
  "cancelled",
  "config",
  "routing",
]);

/**
 * Standby reasons that end when a quota window resets (recovery trigger `quota_reset`). The one definition,
 * shared by the ledger, the router and `@modelmesh/rotation`'s quota-aware policies.
 */
export const QUOTA_REASONS: ReadonlySet<DeactivationReason> = /* @__PURE__ */ new Set<DeactivationReason>([
  "quota_exhausted",
  "request_limit",
  "token_limit",
  "budget_exceeded",
]);

const EMPTY: readonly number[] = Object.freeze([]);

/** The record of a route nobody has written yet. */
export const INITIAL_ROUTE_RECORD: RouteRecord = Object.freeze({
  status: "active",
  circuit: "closed",
  cooldownLevel: 0,
  consecutiveFailures: 0,
  recent: EMPTY,
}) as RouteRecord;

/** The record of a provider nobody has written yet. */
export const INITIAL_PROVIDER_RECORD: ProviderRecord = Object.freeze({ status: "active" }) as ProviderRecord;

/** Which trigger brings back something parked for `reason`. */
export function recoveryTriggerFor(reason: DeactivationReason | undefined): RecoveryTrigger {
  return reason !== undefined && QUOTA_REASONS.has(reason) ? "quota_reset" : "cooldown_expired";
}

/** True when a standby route's time is up. */
export function routeRecoveryDue(record: RouteRecord | undefined, now: number): boolean {
  return record !== undefined && record.status === "standby" && record.standbyUntil !== undefined && record.standbyUntil <= now;
}

/**
 * Lazy recovery: a standby route whose time passed becomes active with a half-open circuit (or a closed one
 * when its recovery policy does not probe). `reason` is kept so a failed probe can re-open for the same cause.
 */
export function recoverRoute(record: RouteRecord, now: number, probeDefault = true): RouteRecord {
  if (!routeRecoveryDue(record, now)) return record;
  const { standbyUntil: _until, ...rest } = record;
  return { ...rest, status: "active", circuit: (record.probe ?? probeDefault) ? "half-open" : "closed" };
}

/** Puts a route on standby (circuit open). `bumpLevel` grows the next cooldown. */
export function parkRoute(
  record: RouteRecord,
  reason: DeactivationReason,
  until: number | undefined,
  now: number,
  options: { bumpLevel: boolean; probe?: boolean },
): RouteRecord {
  const next: RouteRecord = {
    ...record,
    status: "standby",
    circuit: "open",
    reason,
    deactivatedAt: now,
    cooldownLevel: options.bumpLevel ? record.cooldownLevel + 1 : record.cooldownLevel,
  };
  if (until === undefined) delete next.standbyUntil;
  else next.standbyUntil = until;
  if (options.probe === undefined) delete next.probe;
  else next.probe = options.probe;
  return next;
}

/** Manual reactivation: active, circuit closed, streak, rolling window and cooldown level reset. */
export function reactivateRoute(record: RouteRecord): RouteRecord {
  const { standbyUntil: _u, reason: _r, deactivatedAt: _d, ...rest } = record;
  return { ...rest, status: "active", circuit: "closed", consecutiveFailures: 0, cooldownLevel: 0, recent: EMPTY };
}

function pushOutcome(recent: readonly number[], value: number, size: number): readonly number[] {
  const start = recent.length >= size ? recent.length - size + 1 : 0;
  // Filled into an array of the final length (a slice then a push would allocate its storage twice).
  const next = new Array<number>(recent.length - start + 1);
  for (let i = start; i < recent.length; i++) next[i - start] = recent[i]!;
  next[next.length - 1] = value;
  return next;
}

/**
 * Applies a success. While active it resets the streak, closes a half-open circuit and resets the cooldown
 * level ("a success after recovery"); while on standby (a request that started before deactivation) it
 * only updates measurements, so a late success cannot undo a fresh deactivation. Closing a half-open
 * circuit also restarts the rolling window: the failures that opened it must not knock the route out again
 * on its first failure after recovery.
 */
export function applySuccess(record: RouteRecord, report: SuccessReport, now: number, windowSize: number): RouteRecord {
  const ewma = record.latencyEwmaMs;
  const closing = record.status === "active" && record.circuit === "half-open";
  const next: RouteRecord = {
    ...record,
    consecutiveFailures: 0,
    recent: pushOutcome(closing ? EMPTY : record.recent, 0, windowSize),
    latencyEwmaMs: ewma === undefined ? report.latencyMs : LATENCY_EWMA_ALPHA * report.latencyMs + (1 - LATENCY_EWMA_ALPHA) * ewma,
    lastSuccessAt: now,
  };
  if (report.rateLimit) next.rateLimit = { ...report.rateLimit, observedAt: now };
  if (record.status === "active") {
    next.circuit = "closed";
    next.cooldownLevel = 0;
    delete next.reason;
    delete next.deactivatedAt;
  }
  return next;
}

/** Applies a failure's counters. Only {@link HEALTH_CATEGORIES} touch the streak and the rolling window. */
export function applyFailure(record: RouteRecord, report: FailureReport, now: number, windowSize: number): RouteRecord {
  const health = HEALTH_CATEGORIES.has(report.category);
  return {
    ...record,
    consecutiveFailures: health ? record.consecutiveFailures + 1 : record.consecutiveFailures,
    recent: health ? pushOutcome(record.recent, report.status ?? 1, windowSize) : record.recent,
    lastFailureAt: now,
    lastErrorCategory: report.category,
  };
}

/** Per-instance facts merged into a snapshot. */
export interface LocalRouteState {
  inFlight: number;
  lastUsedAt?: number;
}

/** Builds the read-only snapshot policies and strategies see. */
export function toSnapshot(
  route: RouteDescriptor,
  record: RouteRecord,
  local: LocalRouteState | undefined,
  usage: LedgerRouteSnapshot["usage"],
  errorRateMinSamples: number,
): LedgerRouteSnapshot {
  const samples = record.recent.length;
  let failures = 0;
  for (let i = 0; i < samples; i++) if (record.recent[i] !== 0) failures++;
  const standby = record.status === "standby";
  return {
    routeId: route.routeId,
    modelId: route.modelId,
    upstreamModel: route.upstreamModel,
    providerId: route.providerId,
    order: route.order,
    status: record.status,
    reason: standby ? record.reason : undefined,
    circuit: record.circuit,
    standbyUntil: standby ? record.standbyUntil : undefined,
    cooldownLevel: record.cooldownLevel,
    consecutiveFailures: record.consecutiveFailures,
    errorRate: samples >= errorRateMinSamples && samples > 0 ? failures / samples : 0,
    windowSamples: samples,
    latencyEwmaMs: record.latencyEwmaMs,
    inFlight: local?.inFlight ?? 0,
    lastUsedAt: local?.lastUsedAt,
    lastSuccessAt: record.lastSuccessAt,
    lastFailureAt: record.lastFailureAt,
    lastErrorCategory: record.lastErrorCategory,
    rateLimit: record.rateLimit,
    usage,
    pricing: route.pricing,
    contextWindow: route.contextWindow,
    features: route.features ?? {},
    recentOutcomes: record.recent,
    quotaClock: route.quotaClock,
  };
}

/** Until when limits learned from response headers forbid another request (epoch ms), if they do. */
export function learnedLimitUntil(info: (RateLimitInfo & { observedAt: number }) | undefined, now: number): number | undefined {
  if (info === undefined) return undefined;
  let until: number | undefined;
  const consider = (spent: boolean, waitMs: number | undefined) => {
    if (!spent || waitMs === undefined) return;
    const at = info.observedAt + waitMs;
    if (at > now && (until === undefined || at > until)) until = at;
  };
  consider(true, info.retryAfterMs);
  consider(info.remainingRequests === 0, info.resetRequestsMs);
  consider(info.remainingTokens === 0, info.resetTokensMs);
  return until;
}
