import { ConfigError } from "../errors/errors.js";

/** Kinds of quota window. `minute` is fixed and UTC-aligned; `day` and `month` follow the provider's reset clock. */
export type QuotaWindowKind = "minute" | "day" | "month";

/**
 * When a provider's quotas reset: every day at `resetTime` local time in `timeZone`, and monthly on the 1st
 * at that same local time (so a month window is exactly the union of its day windows).
 */
export interface QuotaClock {
  /** Local reset time `HH:MM` (24 h). Default `00:00`. From the provider config (`quota.reset_time`). */
  resetTime?: string;
  /** IANA time zone (`America/Los_Angeles`). Default `UTC`. From the provider config (`quota.time_zone`). */
  timeZone?: string;
}

/** A half-open window `[start, end)` in epoch ms. */
export interface QuotaWindow {
  start: number;
  end: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const UTC_ZONES: ReadonlySet<string> = /* @__PURE__ */ new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"]);

/** Start of the window of `kind` containing `now` (epoch ms). */
export function windowStart(kind: QuotaWindowKind, now: number, clock?: QuotaClock): number {
  return windowBounds(kind, now, clock).start;
}

/** End (exclusive) of the window of `kind` containing `now`: the instant the quota resets (epoch ms). */
export function windowEnd(kind: QuotaWindowKind, now: number, clock?: QuotaClock): number {
  return windowBounds(kind, now, clock).end;
}

/**
 * The window of `kind` containing `now`. Day and month windows are cached per (kind, clock) and reused while
 * `now` stays inside them, so the per-request cost is a Map lookup and two comparisons; `Intl` runs once
 * per window. The result may be shared: do not mutate it. Throws `MM_CONFIG_INVALID` for a malformed `resetTime` or an unknown `timeZone`.
 */
export function windowBounds(kind: QuotaWindowKind, now: number, clock?: QuotaClock): Readonly<QuotaWindow> {
  if (kind === "minute") {
    const start = now - (((now % MINUTE) + MINUTE) % MINUTE);
    return { start, end: start + MINUTE };
  }
  // The default clock (UTC midnight) has its own slots: no cache key to build on the hot path.
  if (clock === undefined || (clock.resetTime === undefined && clock.timeZone === undefined)) {
    const slot = kind === "day" ? 0 : 1;
    const cached = defaultWindows[slot];
    if (cached !== undefined && now >= cached.start && now < cached.end) return cached;
    const window = computeWindow(kind, now, parseResetTime("00:00"), "UTC");
    defaultWindows[slot] = window;
    return window;
  }
  const resetTime = clock.resetTime ?? "00:00";
  const timeZone = clock.timeZone ?? "UTC";
  const cacheKey = `${kind}|${resetTime}|${timeZone}`;
  const cached = windowCache.get(cacheKey);
  if (cached && now >= cached.start && now < cached.end) return cached;
  const window = computeWindow(kind, now, parseResetTime(resetTime), timeZone);
  windowCache.set(cacheKey, window);
  return window;
}

/** Last computed day and month windows of the default clock (UTC, reset at 00:00). */
const defaultWindows: [QuotaWindow | undefined, QuotaWindow | undefined] = [undefined, undefined];

/** Last computed window per (kind, clock). Bounded by the number of distinct provider clocks. */
const windowCache = /* @__PURE__ */ new Map<string, QuotaWindow>();

/** Local calendar fields. `month` is 1-based. */
interface LocalDate {
  year: number;
  month: number;
  day: number;
}

function computeWindow(kind: "day" | "month", now: number, minutes: number, timeZone: string): QuotaWindow {
  const zone = UTC_ZONES.has(timeZone) ? undefined : timeZone;
  const today = localDate(now, zone);
  if (kind === "day") {
    let start = zonedToEpoch(today, minutes, zone);
    let startDate = today;
    if (start > now) {
      startDate = addDays(today, -1);
      start = zonedToEpoch(startDate, minutes, zone);
    }
    return { start, end: zonedToEpoch(addDays(startDate, 1), minutes, zone) };
  }
  let startDate: LocalDate = { year: today.year, month: today.month, day: 1 };
  let start = zonedToEpoch(startDate, minutes, zone);
  if (start > now) {
    startDate = addMonths(startDate, -1);
    start = zonedToEpoch(startDate, minutes, zone);
  }
  return { start, end: zonedToEpoch(addMonths(startDate, 1), minutes, zone) };
}

function parseResetTime(resetTime: string): number {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(resetTime);
  if (!match) {
    throw configError(`quota reset time "${resetTime}" is not HH:MM`, 'Use a 24-hour time such as "00:00" or "08:30".');
  }
  return Number(match[1]) * 60 + Number(match[2]);
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function addMonths(date: LocalDate, months: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1 + months, 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: 1 };
}

/** The calendar date at `epoch` in `zone` (undefined = UTC). */
function localDate(epoch: number, zone: string | undefined): LocalDate {
  const d = new Date(zone === undefined ? epoch : epoch + offsetAt(epoch, zone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant at which the wall clock in `zone` shows `date` + `minutes`. Follows the "compatible"
 * disambiguation of Temporal / RFC 5545: a wall time repeated when clocks fall back maps to its EARLIER
 * instant; a wall time skipped when clocks spring forward maps to the instant it would have had with the
 * pre-transition offset (02:30 on a spring-forward night becomes 03:30 new time).
 */
function zonedToEpoch(date: LocalDate, minutes: number, zone: string | undefined): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE;
  if (zone === undefined) return wall;
  // At most one offset change happens within a day of any wall time, in every zone in the tz database.
  const before = offsetAt(wall - DAY, zone);
  const after = offsetAt(wall + DAY, zone);
  const early = wall - before;
  if (before === after) return early;
  const late = wall - after;
  const earlyValid = offsetAt(early, zone) === before;
  const lateValid = offsetAt(late, zone) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  return early;
}

const formatters = /* @__PURE__ */ new Map<string, Intl.DateTimeFormat>();

/** UTC offset of `zone` at `epoch`, in ms (positive east of Greenwich), read through `Intl.DateTimeFormat`. */
function offsetAt(epoch: number, zone: string): number {
  let fmt = formatters.get(zone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (cause) {
      throw configError(`unknown time zone "${zone}"`, 'Use an IANA name such as "UTC" or "America/Los_Angeles".', cause);
    }
    formatters.set(zone, fmt);
  }
  const fields: Record<string, number> = {};
  for (const part of fmt.formatToParts(epoch)) if (part.type !== "literal") fields[part.type] = Number(part.value);
  const asUtc = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
  return asUtc - (epoch - (((epoch % 1000) + 1000) % 1000));
}

function configError(what: string, fix: string, cause?: unknown): ConfigError {
  return new ConfigError({ issues: [{ path: "quota", message: `${what}. ${fix}` }], cause });
}
