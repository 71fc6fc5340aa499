import { ConfigError, isValidCron } from "@modelmesh/core";

/**
 * A 5-field cron expression read as a set of minutes: a maintenance window is every minute the expression
 * matches, so `* 2-3 * * sun` is Sundays 02:00–03:59 and `0-29 4 * * *` is 04:00–04:29 daily.
 */
export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** IANA time zone the fields are read in. */
  readonly timeZone: string;
  /** True when the minute containing `epochMs` matches. */
  matches(epochMs: number): boolean;
  /** When the window containing `now` ends (the first later minute that does not match); undefined outside one. */
  windowEnd(now: number): number | undefined;
  /** The first matching minute boundary at or after `from` (epoch ms); undefined if none within ~4 years. */
  nextStart(from: number): number | undefined;
}

const MINUTE = 60_000;
/** Longest window measured; a window still open after this is treated as ending here. */
const MAX_WINDOW_MINUTES = 7 * 1440;
const MAX_SEARCH_STEPS = 200_000;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface Field {
  min: number;
  max: number;
  names?: string[];
  base?: number;
}
const FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, base: 1 },
  { min: 0, max: 7, names: WEEKDAYS, base: 0 },
];

/** Local calendar fields of an instant. `weekday` 0 = Sunday. */
interface Local {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

/**
 * Parses a standard cron string (`*`, numbers, names, ranges `a-b`, steps `/n`, lists `a,b`; day-of-week 0
 * or 7 = Sunday; when both day fields are restricted a day matches either, as in Vixie cron). Throws
 * `MM_CONFIG_INVALID` for a malformed expression or an unknown time zone.
 *
 * @example
 * parseCron("* 2 * * sun").windowEnd(Date.UTC(2026, 0, 4, 2, 30)); // 2026-01-04T03:00Z
 */
export function parseCron(expression: string, timeZone = "UTC"): CronSchedule {
  if (!isValidCron(expression)) throw configError(`"${expression}" is not a 5-field cron expression`, 'Use minute hour day-of-month month day-of-week, e.g. "* 2 * * sun".');
  const parts = expression.trim().split(/\s+/);
  const sets = parts.map((part, i) => expand(part, FIELDS[i]!));
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  const dayRestricted = !parts[2]!.startsWith("*");
  const weekdayRestricted = !parts[4]!.startsWith("*");
  const fieldsAt = localFields(timeZone);

  const dayMatches = (l: Local): boolean => {
    if (dayRestricted && weekdayRestricted) return days.has(l.day) || weekdays.has(l.weekday);
    return days.has(l.day) && weekdays.has(l.weekday);
  };
  const matches = (epochMs: number): boolean => {
    const l = fieldsAt(epochMs);
    return minutes.has(l.minute) && hours.has(l.hour) && months.has(l.month) && dayMatches(l);
  };

  return {
    expression,
    timeZone,
    matches,
    windowEnd(now) {
      let t = floorMinute(now);
      if (!matches(t)) return undefined;
      for (let i = 0; i < MAX_WINDOW_MINUTES && matches(t); i++) t += MINUTE;
      return t;
    },
    nextStart(from) {
      let t = floorMinute(from);
      if (t < from) t += MINUTE;
      for (let step = 0; step < MAX_SEARCH_STEPS; step++) {
        const l = fieldsAt(t);
        if (!months.has(l.month) || !dayMatches(l) || !hours.has(l.hour)) {
          t += (60 - l.minute) * MINUTE; // next hour boundary: DST-safe, a day costs at most 24 steps
          continue;
        }
        if (minutes.has(l.minute)) return t;
        t += MINUTE;
      }
      return undefined;
    },
  };
}

function floorMinute(epochMs: number): number {
  return epochMs - (((epochMs % MINUTE) + MINUTE) % MINUTE);
}

function expand(part: string, field: Field): Set<number> {
  const out = new Set<number>();
  for (const item of part.split(",")) {
    const [range, stepText] = item.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = field.min;
    let to = field.max;
    if (range !== "*") {
      const [a, b] = range.split("-") as [string, string | undefined];
      from = valueOf(a, field);
      to = b !== undefined ? valueOf(b, field) : stepText !== undefined ? field.max : from;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function valueOf(text: string, field: Field): number {
  if (/^\d+$/.test(text)) return Number(text);
  return field.names!.indexOf(text.toLowerCase()) + (field.base ?? 0);
}

const formatters = /* @__PURE__ */ new Map<string, Intl.DateTimeFormat>();

/** Reads calendar fields in `timeZone` (UTC through `Date`, others through a cached `Intl.DateTimeFormat`). */
function localFields(timeZone: string): (epochMs: number) => Local {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") {
    return (epochMs) => {
      const d = new Date(epochMs);
      return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), day: d.getUTCDate(), month: d.getUTCMonth() + 1, weekday: d.getUTCDay() };
    };
  }
  let format = formatters.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", weekday: "short" });
    } catch (cause) {
      throw configError(`unknown time zone "${timeZone}"`, 'Use an IANA name such as "UTC" or "Europe/Berlin".', cause);
    }
    formatters.set(timeZone, format);
  }
  const fmt = format;
  return (epochMs) => {
    const f: Record<string, string> = {};
    for (const part of fmt.formatToParts(epochMs)) f[part.type] = part.value;
    return { minute: Number(f.minute), hour: Number(f.hour), day: Number(f.day), month: Number(f.month), weekday: WEEKDAYS.indexOf(f.weekday!.toLowerCase().slice(0, 3)) };
  };
}

function configError(what: string, fix: string, cause?: unknown): ConfigError {
  return new ConfigError({ issues: [{ path: "maintenance_window", message: `${what}. ${fix}` }], cause });
}
