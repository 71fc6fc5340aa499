import { windowEnd } from "@modelmesh/core";
import type { LedgerRouteSnapshot, QuotaClock, RouteSnapshot } from "@modelmesh/core";

/** Calendar of quota resets: `recovery.quota_reset_schedule` and `deactivation.quota_window` of a pool. */
export interface QuotaCalendar {
  /** `daily_utc`: next UTC midnight; `monthly`: next 1st of the month at the route's reset time. Default: `window`. */
  schedule?: "daily_utc" | "monthly";
  /** Period of the counted quota: `day` (default) or `month`, in the route's quota clock. */
  window?: "day" | "month";
  /** Overrides the route's quota clock (provider `quota.reset_time` / `quota.time_zone`). */
  clock?: QuotaClock;
}

/** The route's quota clock, when the snapshot comes from the core ledger. */
export function clockOf(snapshot: RouteSnapshot): QuotaClock | undefined {
  return (snapshot as Partial<LedgerRouteSnapshot>).quotaClock;
}

/**
 * The next quota reset after `now` for a route: the end of the current day or month window in the route's
 * quota clock (its provider's reset time and time zone), or the explicit schedule.
 */
export function quotaResetAt(snapshot: RouteSnapshot, now: number, calendar: QuotaCalendar = {}): number {
  if (calendar.schedule === "daily_utc") return windowEnd("day", now, { resetTime: "00:00", timeZone: "UTC" });
  const clock = calendar.clock ?? clockOf(snapshot);
  if (calendar.schedule === "monthly") return windowEnd("month", now, clock);
  return windowEnd(calendar.window ?? "day", now, clock);
}
