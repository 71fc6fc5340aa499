import type {
  AttemptOutcome,
  DeactivationDecision,
  DeactivationPolicyV1,
  DeactivationReason,
  RecoveryPolicyV1,
  RouteSnapshot,
} from "../connectors/rotation.js";
import type { ErrorCategory } from "../errors/model-mesh-error.js";
import type { LedgerRouteSnapshot } from "./ledger-types.js";
import { windowEnd } from "./quota-windows.js";
import type { QuotaClock } from "./quota-windows.js";

/** Options of {@link createThresholdDeactivation}. Config: `pools.<id>.deactivation.*` (snake_case there). */
export interface ThresholdDeactivationOptions {
  /** Consecutive counted failures that put a route on standby. Default 3. */
  retryLimit?: number;
  /**
   * Error rate (0–1) over the ledger's rolling window that puts a route on standby. Default 0.5.
   * The window length itself is a ledger option (state is per route, shared by every pool).
   */
  errorRateThreshold?: number;
  /** Minimum samples in the window before the error rate counts. Default 5. */
  errorRateMinSamples?: number;
  /** HTTP statuses that put a route on standby when they occur `retryLimit` times in the rolling window. */
  errorCodes?: readonly number[];
  /** Categories whose failures count. Default `server`, `network`, `timeout`, `rate_limit`. */
  countedCategories?: readonly ErrorCategory[];
  /** Requests per quota day (reason `request_limit`). */
  requestLimit?: number;
  /** Tokens per quota day (reason `token_limit`). */
  tokenLimit?: number;
  /** USD per quota day (reason `budget_exceeded`). */
  budgetLimit?: number;
  /** USD per quota month (reason `budget_exceeded`). */
  monthlyBudgetLimit?: number;
  /** Window a `quota_exhausted` failure parks the route for, when the upstream gives no Retry-After. Default `day`. */
  quotaWindow?: "day" | "month";
  /** Reset clock for caps and quota waits. Default: the route's own clock from the ledger snapshot, else UTC midnight. */
  quotaClock?: QuotaClock | ((snapshot: RouteSnapshot) => QuotaClock | undefined);
}

/** Connector id of the threshold policy. */
export const THRESHOLD_DEACTIVATION_ID = "modelmesh.threshold-deactivation.v1";

/** Connector id of the cooldown policy. */
export const COOLDOWN_RECOVERY_ID = "modelmesh.cooldown-recovery.v1";

const DEFAULT_COUNTED: readonly ErrorCategory[] = ["server", "network", "timeout", "rate_limit"];

/**
 * The default deactivation policy (docs/ARCHITECTURE.md §2.10), evaluated after every attempt on a snapshot
 * that already includes the outcome. In order:
 * 1. `quota_exhausted` → standby until Retry-After, else until the quota window resets;
 * 2. `rate_limit` with Retry-After → short standby until then (reason `rate_limited`);
 * 3. a counted failure → `error_threshold` at `retryLimit` consecutive, `error_code` when a listed status
 *    occurred `retryLimit` times in the window, `error_rate` at the threshold (with the minimum samples);
 * 4. any outcome → request / token / budget caps, parked until their window resets.
 * Caller errors (invalid_request, context_length, content_filter) never deactivate. Pure and stateless.
 *
 * @example
 * const deactivation = createThresholdDeactivation({ retryLimit: 3, errorRateThreshold: 0.5 });
 */
export function createThresholdDeactivation(options: ThresholdDeactivationOptions = {}): DeactivationPolicyV1 {
  const retryLimit = options.retryLimit ?? 3;
  const rateThreshold = options.errorRateThreshold ?? 0.5;
  const minSamples = options.errorRateMinSamples ?? 5;
  const counted = new Set(options.countedCategories ?? DEFAULT_COUNTED);
  const codes = new Set(options.errorCodes ?? []);
  const clockOf = (s: RouteSnapshot): QuotaClock | undefined =>
    typeof options.quotaClock === "function"
      ? options.quotaClock(s)
      : (options.quotaClock ?? (s as Partial<LedgerRouteSnapshot>).quotaClock);

  const failureDecision = (s: RouteSnapshot, o: AttemptOutcome, now: number): DeactivationDecision | null => {
    const category = o.category;
    if (category === "quota_exhausted") {
      const until = o.retryAfterMs !== undefined && o.retryAfterMs > 0 ? now + o.retryAfterMs : windowEnd(options.quotaWindow ?? "day", now, clockOf(s));
      return { reason: "quota_exhausted", until };
    }
    if (category === "rate_limit" && o.retryAfterMs !== undefined && o.retryAfterMs > 0) {
      return { reason: "rate_limited", until: now + o.retryAfterMs };
    }
    if (category === undefined || !counted.has(category)) return null;
    if (s.consecutiveFailures >= retryLimit) return { reason: "error_threshold" };
    if (o.status !== undefined && codes.has(o.status) && codeHits(s, o.status) >= retryLimit) return { reason: "error_code" };
    if (s.windowSamples >= minSamples && s.errorRate >= rateThreshold) return { reason: "error_rate" };
    return null;
  };

  const capDecision = (s: RouteSnapshot, now: number): DeactivationDecision | null => {
    const u = s.usage;
    const day = (reason: DeactivationReason): DeactivationDecision => ({ reason, until: windowEnd("day", now, clockOf(s)) });
    if (options.requestLimit !== undefined && u.requestsDay >= options.requestLimit) return day("request_limit");
    if (options.tokenLimit !== undefined && u.tokensDay >= options.tokenLimit) return day("token_limit");
    if (options.budgetLimit !== undefined && u.costDay >= options.budgetLimit) return day("budget_exceeded");
    if (options.monthlyBudgetLimit !== undefined && u.costMonth >= options.monthlyBudgetLimit) {
      return { reason: "budget_exceeded", until: windowEnd("month", now, clockOf(s)) };
    }
    return null;
  };

  return {
    specificationVersion: "v1",
    id: THRESHOLD_DEACTIVATION_ID,
    evaluate(snapshot, outcome, now) {
      return (outcome.ok ? null : failureDecision(snapshot, outcome, now)) ?? capDecision(snapshot, now);
    },
  };
}

/** Times `status` occurs in the ledger's rolling window; falls back to the streak for other ledgers. */
function codeHits(snapshot: RouteSnapshot, status: number): number {
  const recent = (snapshot as Partial<LedgerRouteSnapshot>).recentOutcomes;
  if (recent === undefined) return snapshot.consecutiveFailures;
  let hits = 0;
  for (let i = 0; i < recent.length; i++) if (recent[i] === status) hits++;
  return hits;
}

/** Options of {@link createCooldownRecovery}. Config: `pools.<id>.recovery.*`. */
export interface CooldownRecoveryOptions {
  /** First cooldown in ms. Default 60 000. */
  cooldownMs?: number;
  /** Factor applied per cooldown level. Default 2. */
  growth?: number;
  /** Cap in ms. Default 1 800 000 (30 min). */
  maxCooldownMs?: number;
  /** Recover through one half-open probe (true) or straight to closed (false). Default true. */
  probe?: boolean;
}

/**
 * The default recovery policy: a route parked for the `level`-th time in a row (the snapshot's
 * `cooldownLevel`, before this deactivation counts) comes back after `min(max, cooldown · growth^level)`.
 * The ledger raises the level on every deactivation and resets it on a success after recovery, so a
 * recovered route that fails again is cooled 60 s → 120 s → 240 s … with the defaults.
 *
 * @example
 * const recovery = createCooldownRecovery({ cooldownMs: 30_000 });
 */
export function createCooldownRecovery(options: CooldownRecoveryOptions = {}): RecoveryPolicyV1 {
  const cooldownMs = options.cooldownMs ?? 60_000;
  const growth = options.growth ?? 2;
  const maxCooldownMs = options.maxCooldownMs ?? 1_800_000;
  return {
    specificationVersion: "v1",
    id: COOLDOWN_RECOVERY_ID,
    probe: options.probe ?? true,
    recoveryTime(snapshot, _reason, now) {
      return now + Math.min(maxCooldownMs, cooldownMs * growth ** Math.max(0, snapshot.cooldownLevel));
    },
  };
}
