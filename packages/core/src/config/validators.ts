/**
 * Small value validators used by the config schema: IANA time zones, `HH:MM` clock times and 5-field
 * cron expressions. Pure functions, no dependencies.
 */

/** True if `zone` is an IANA time zone the runtime knows (`UTC`, `Europe/Berlin`, …). */
export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `HH:MM`, 24-hour clock, leading zeros required (`00:00` … `23:59`). */
export const CLOCK_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** Range and named values of each cron field, in order: minute, hour, day of month, month, day of week. */
const CRON_FIELDS: ReadonlyArray<{ min: number; max: number; names?: string[]; nameBase?: number }> = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

function cronValue(text: string, field: (typeof CRON_FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return index >= 0 ? index + (field.nameBase ?? 0) : undefined;
}

function isValidCronPart(part: string, field: (typeof CRON_FIELDS)[number]): boolean {
  const [range, step, extra] = part.split("/");
  if (extra !== undefined || range === undefined || range === "") return false;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return false;
  if (range === "*") return true;
  const [from, to, more] = range.split("-");
  if (more !== undefined || from === undefined) return false;
  const start = cronValue(from, field);
  if (start === undefined) return false;
  if (to === undefined) return true;
  const end = cronValue(to, field);
  return end !== undefined && end >= start;
}

/**
 * True if `expression` is a standard 5-field cron string (minute hour day-of-month month day-of-week)
 * with `*`, numbers, ranges `a-b`, steps `/n`, lists `a,b` and month/weekday names (`jan`, `mon`).
 * Only the shape and ranges are checked; the scheduler interprets it.
 */
export function isValidCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) return false;
  return fields.every((text, i) => text.split(",").every((part) => isValidCronPart(part, CRON_FIELDS[i]!)));
}

/** A browser origin for CORS: `*`, or `scheme://host[:port]` (http or https) with no path, as browsers send it. */
export const CORS_ORIGIN = /^(?:\*|https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?)$/;
