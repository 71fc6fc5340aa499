import { QUOTA_REASONS, createThresholdDeactivation, windowEnd } from "@modelmesh/core";
import type { DeactivationDecision, DeactivationPolicyV1, DeactivationReason, RouteSnapshot, ThresholdDeactivationOptions } from "@modelmesh/core";
import { parseCron } from "./cron.js";
import { clockOf, quotaResetAt } from "./quota-reset.js";
import type { QuotaCalendar } from "./quota-reset.js";

/** Connector id of {@link createRulesDeactivation}. */
export const RULES_DEACTIVATION_ID = "modelmesh.rules-deactivation.v1";

/** Per-route caps, each counted in its window of the route's quota clock (minute windows are UTC minutes). */
export interface QuotaCaps {
  requestsPerMinute?: number;
  requestsPerDay?: number;
  tokensPerMinute?: number;
  tokensPerDay?: number;
  /** USD per quota day. */
  costPerDay?: number;
  /** USD per quota month. */
  costPerMonth?: number;
}

/** Options of {@link createRulesDeactivation}. Config: `pools.<id>.deactivation.*` and `pools.<id>.recovery.on_quota_reset` / `quota_reset_schedule`. */
export interface RulesDeactivationOptions {
  /**
   * Failure rules, delegated to core's threshold policy: `retryLimit` consecutive failures (3),
   * `errorRateThreshold` over the ledger's rolling window with `errorRateMinSamples`, `errorCodes` seen
   * `retryLimit` times in the window, `quota_exhausted` and Retry-After waits. Its caps are not used here.
   */
  failures?: Omit<ThresholdDeactivationOptions, "requestLimit" | "tokenLimit" | "budgetLimit" | "monthlyBudgetLimit">;
  /** Caps that put the route on standby until their window resets. */
  caps?: QuotaCaps;
  /** Scheduled standby: a 5-field cron string read as a set of minutes (see {@link parseCron}). */
  maintenanceWindow?: string;
  /** Time zone of `maintenanceWindow`. Default `UTC`. */
  maintenanceTimeZone?: string;
  /**
   * Treat a learned `x-ratelimit-remaining-requests` / `-tokens` of 0 as standby until its reset: reason
   * `quota_exhausted` when the reset is at least `learnedQuotaMinResetMs` away, else `rate_limited`. Default true.
   */
  learnedQuota?: boolean;
  /** Default 3 600 000 (1 h). */
  learnedQuotaMinResetMs?: number;
  /**
   * When quota standby ends. `calendar` (default, `on_quota_reset: true`): at the next reset of `calendar`.
   * `recovery-policy` (`on_quota_reset: false`): the pool's recovery policy decides.
   */
  quotaRecovery?: "calendar" | "recovery-policy";
  /** Reset calendar for quota standby (`quota_reset_schedule`, `quota_window`). */
  calendar?: QuotaCalendar;
}

const MINUTE = 60_000;

/**
 * A composable deactivation policy: every deactivation trigger in one place, each optional.
 * Evaluated after every attempt on a snapshot that already includes it, in this order:
 * 1. inside `maintenanceWindow` → `maintenance_window` until the window ends;
 * 2. a failure → core's threshold rules (consecutive failures, error rate, error codes, quota, Retry-After);
 * 3. a learned `remaining` of 0 → `quota_exhausted` (long reset) or `rate_limited` until the header's reset;
 * 4. caps → `rate_limited` (per minute), `request_limit`, `token_limit` or `budget_exceeded` until the window
 *    resets in the route's quota clock (its provider's `reset_time` and `time_zone`).
 * Provider-wide standby (auth failure, provider budgets, manual) is the ledger's; an outage of every route of
 * a provider is detected by {@link RecoveryScheduler}. Pure and stateless, as the ledger requires.
 *
 * @example
 * const deactivation = createRulesDeactivation({ failures: { retryLimit: 2 }, caps: { requestsPerDay: 1000 }, maintenanceWindow: "* 2 * * sun" });
 */
export function createRulesDeactivation(options: RulesDeactivationOptions = {}): DeactivationPolicyV1 {
  const failures = createThresholdDeactivation({ ...options.failures, quotaWindow: options.calendar?.window ?? options.failures?.quotaWindow });
  const maintenance = options.maintenanceWindow === undefined ? undefined : parseCron(options.maintenanceWindow, options.maintenanceTimeZone);
  const learned = options.learnedQuota ?? true;
  const minReset = options.learnedQuotaMinResetMs ?? 3_600_000;
  const caps = options.caps ?? {};
  const byPolicy = options.quotaRecovery === "recovery-policy";

  /** Quota standby ends at the calendar's reset, or (on_quota_reset: false) when the recovery policy says. */
  const quota = (reason: DeactivationReason, s: RouteSnapshot, now: number): DeactivationDecision =>
    byPolicy ? { reason } : { reason, until: quotaResetAt(s, now, options.calendar) };

  const learnedDecision = (s: RouteSnapshot, now: number): DeactivationDecision | null => {
    const info = s.rateLimit;
    if (!learned || info === undefined) return null;
    for (const [remaining, resetMs] of [
      [info.remainingRequests, info.resetRequestsMs],
      [info.remainingTokens, info.resetTokensMs],
    ] as const) {
      if (remaining !== 0 || resetMs === undefined || info.observedAt + resetMs <= now) continue;
      return { reason: resetMs >= minReset ? "quota_exhausted" : "rate_limited", until: info.observedAt + resetMs };
    }
    return null;
  };

  const capDecision = (s: RouteSnapshot, now: number): DeactivationDecision | null => {
    const u = s.usage;
    const minuteEnd = () => now - (now % MINUTE) + MINUTE;
    if (caps.requestsPerMinute !== undefined && u.requestsMinute >= caps.requestsPerMinute) return { reason: "rate_limited", until: minuteEnd() };
    if (caps.tokensPerMinute !== undefined && u.tokensMinute >= caps.tokensPerMinute) return { reason: "rate_limited", until: minuteEnd() };
    if (caps.requestsPerDay !== undefined && u.requestsDay >= caps.requestsPerDay) return quota("request_limit", s, now);
    if (caps.tokensPerDay !== undefined && u.tokensDay >= caps.tokensPerDay) return quota("token_limit", s, now);
    if (caps.costPerDay !== undefined && u.costDay >= caps.costPerDay) return quota("budget_exceeded", s, now);
    if (caps.costPerMonth !== undefined && u.costMonth >= caps.costPerMonth) {
      return byPolicy ? { reason: "budget_exceeded" } : { reason: "budget_exceeded", until: windowEnd("month", now, options.calendar?.clock ?? clockOf(s)) };
    }
    return null;
  };

  return {
    specificationVersion: "v1",
    id: RULES_DEACTIVATION_ID,
    evaluate(snapshot, outcome, now) {
      if (maintenance?.matches(now)) return { reason: "maintenance_window", until: maintenance.windowEnd(now) };
      const failure = outcome.ok ? null : failures.evaluate(snapshot, outcome, now);
      if (failure) {
        // A quota failure without Retry-After waits for the calendar (or the recovery policy).
        if (QUOTA_REASONS.has(failure.reason) && !(outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0)) return quota(failure.reason, snapshot, now);
        return failure;
      }
      return learnedDecision(snapshot, now) ?? capDecision(snapshot, now);
    },
  };
}
