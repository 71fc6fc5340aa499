import { QUOTA_REASONS, createCooldownRecovery } from "@modelmesh/core";
import type { CooldownRecoveryOptions, RecoveryPolicyV1 } from "@modelmesh/core";
import { parseCron } from "./cron.js";
import { quotaResetAt } from "./quota-reset.js";
import type { QuotaCalendar } from "./quota-reset.js";

/** Connector id of {@link createCalendarRecovery}. */
export const CALENDAR_RECOVERY_ID = "modelmesh.calendar-recovery.v1";

/** Options of {@link createCalendarRecovery}. Config: `pools.<id>.recovery.*`. */
export interface CalendarRecoveryOptions extends CooldownRecoveryOptions {
  /** Bring quota standby back at the quota reset (`on_quota_reset`). Default true; false = cooldown. */
  onQuotaReset?: boolean;
  /** Reset calendar (`quota_reset_schedule`, `deactivation.quota_window`). Default: the route's quota day. */
  calendar?: QuotaCalendar;
  /** The pool's maintenance window, so a `maintenance_window` standby ends with the window. */
  maintenanceWindow?: string;
  /** Time zone of `maintenanceWindow`. Default `UTC`. */
  maintenanceTimeZone?: string;
}

/**
 * Recovery by cause. The ledger asks it when a deactivation policy did not fix the end of a standby itself:
 * - quota reasons (`quota_exhausted`, `request_limit`, `token_limit`, `budget_exceeded`) → the next quota
 *   reset in the route's clock (its provider's `reset_time` / `time_zone`) or the configured schedule;
 * - `maintenance_window` → the end of the window;
 * - `rate_limited` → the learned header reset or Retry-After when still ahead;
 * - anything else → core's growing cooldown (`cooldown · growth^level`, capped), then one half-open probe.
 *
 * @example
 * const recovery = createCalendarRecovery({ cooldownMs: 30_000, calendar: { schedule: "daily_utc" } });
 */
export function createCalendarRecovery(options: CalendarRecoveryOptions = {}): RecoveryPolicyV1 {
  const cooldown = createCooldownRecovery(options);
  const onQuotaReset = options.onQuotaReset ?? true;
  const maintenance = options.maintenanceWindow === undefined ? undefined : parseCron(options.maintenanceWindow, options.maintenanceTimeZone);
  return {
    specificationVersion: "v1",
    id: CALENDAR_RECOVERY_ID,
    probe: cooldown.probe,
    recoveryTime(snapshot, reason, now) {
      if (onQuotaReset && QUOTA_REASONS.has(reason)) return quotaResetAt(snapshot, now, options.calendar);
      if (reason === "maintenance_window") {
        const end = maintenance?.windowEnd(now);
        if (end !== undefined) return end;
      }
      if (reason === "rate_limited" && snapshot.rateLimit) {
        const info = snapshot.rateLimit;
        const waits = [info.retryAfterMs, info.remainingRequests === 0 ? info.resetRequestsMs : undefined, info.remainingTokens === 0 ? info.resetTokensMs : undefined];
        const until = Math.max(...waits.map((ms) => (ms === undefined ? -Infinity : info.observedAt + ms)));
        if (until > now) return until;
      }
      return cooldown.recoveryTime(snapshot, reason, now);
    },
  };
}
