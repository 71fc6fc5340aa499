/**
 * Building blocks shared by every config section: counts, money, fractions, durations, sizes, URLs,
 * id lists. Numbers and booleans also accept their string spelling (`"8080"`, `"true"`) because a value
 * produced by `${env:…}` interpolation is always a string. No message here echoes the input value: after
 * interpolation it may be a secret.
 */
import { z } from "zod";
import { durationMessage, sizeMessage, tryParseDuration, tryParseSize } from "./duration.js";
import { CLOCK_TIME, isValidCron, isValidTimeZone } from "./validators.js";

const NUMERIC = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

/** Turns a numeric string into a number; leaves anything else for the number schema to reject. */
function numberish(value: number | string): unknown {
  return typeof value === "string" && NUMERIC.test(value.trim()) ? Number(value) : value;
}

/** Turns `"true"`/`"false"` into booleans; leaves anything else for the boolean schema to reject. */
function booleanish(value: boolean | string): unknown {
  if (value === "true") return true;
  if (value === "false") return false;
  return value;
}

/** A whole number ≥ 0 (counts, limits, token amounts). */
export const count = () => z.preprocess(numberish, z.number().int().min(0));

/** A whole number ≥ 1. */
export const positiveInt = () => z.preprocess(numberish, z.number().int().min(1));

/** An amount of money in USD, ≥ 0. */
export const usd = () => z.preprocess(numberish, z.number().min(0));

/** A number in [0, 1] (rates, thresholds). */
export const fraction = () => z.preprocess(numberish, z.number().min(0).max(1));

/** A TCP port (1–65535). */
export const port = () => z.preprocess(numberish, z.number().int().min(1).max(65535));

/** A number ≥ 1 (growth factors). */
export const factor = () => z.preprocess(numberish, z.number().min(1));

/** A boolean (`true`/`false`, also as strings). */
export const flag = () => z.preprocess(booleanish, z.boolean());

/** A non-empty string. */
export const text = () => z.string().min(1, { error: "must not be empty" });

/** A list of non-empty strings (ids, names, paths). */
export const idList = () => z.array(text());

/** An HTTP status code (100–599). */
export const httpStatus = () => z.preprocess(numberish, z.number().int().min(100).max(599));

/** A list of HTTP status codes. */
export const httpStatusList = () => z.array(httpStatus());

/** An `http://` or `https://` URL. */
export const httpUrl = () => z.url({ protocol: /^https?$/, error: "expected a URL" });

/** A duration (`500ms`, `10s`, `1.5h`, `1h30m`, or a number of milliseconds); output: milliseconds. */
export const duration = () =>
  z.union([z.string(), z.number()], { error: durationMessage() }).transform((value, ctx) => {
    const ms = tryParseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: durationMessage() });
      return z.NEVER;
    }
    return ms;
  });

const firstTokenMessage = () => `expected "auto" or ${durationMessage().replace(/^expected /, "")}`;

/** A first-token budget: `auto` (learned per route, docs/routing-defaults.md) or a duration; output `"auto"` or ms. */
export const firstTokenSetting = () =>
  z.union([z.string(), z.number()], { error: firstTokenMessage }).transform((value, ctx): number | "auto" => {
    if (value === "auto") return "auto";
    const ms = tryParseDuration(value);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: "custom", message: firstTokenMessage() });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A stream commit mode: `first_token`, `complete`, `{ chars: N }` or `{ ms: N }` (docs/routing-defaults.md).
 * Also accepted as the strings `chars=N` / `ms=N` (the proxy header's form).
 */
export const streamCommit = () =>
  z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'expected first_token, complete, {chars: N} or {ms: N}' }).transform((value, ctx) => {
    const parsed = parseStreamCommit(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: 'expected first_token, complete, {chars: N} or {ms: N} (N a positive integer; ms also as a duration)' });
      return z.NEVER;
    }
    return parsed;
  });

/** Parses a commit mode from config or a header value; undefined when it is not one. */
export function parseStreamCommit(value: unknown): "first_token" | "complete" | { chars: number } | { ms: number } | undefined {
  if (value === "first_token" || value === "complete") return value;
  let key: string | undefined;
  let raw: unknown;
  if (typeof value === "string") {
    const match = /^(chars|ms)=(.{1,32})$/.exec(value.trim());
    if (!match) return undefined;
    [, key, raw] = match;
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length !== 1) return undefined;
    [[key, raw]] = entries as [[string, unknown]];
  }
  if (key === "chars") {
    const n = typeof raw === "string" && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
    return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 1e9 ? { chars: n } : undefined;
  }
  if (key === "ms") {
    const value = typeof raw === "string" && /^\d{1,12}$/.test(raw) ? Number(raw) : raw;
    const ms = typeof value === "string" || typeof value === "number" ? tryParseDuration(value) : undefined;
    return ms !== undefined && ms >= 1 ? { ms } : undefined;
  }
  return undefined;
}

/** A size (`512KB`, `10MB`, or a number of bytes; binary multiples); output: bytes. */
export const size = () =>
  z.union([z.string(), z.number()], { error: sizeMessage() }).transform((value, ctx) => {
    const bytes = tryParseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: "custom", message: sizeMessage() });
      return z.NEVER;
    }
    return bytes;
  });

/** An IANA time zone name, checked with `Intl.DateTimeFormat`. */
export const timeZone = () =>
  z.string().refine(isValidTimeZone, { error: "expected an IANA time zone such as UTC or Europe/Berlin" });

/** A 24-hour `HH:MM` clock time. */
export const clockTime = () => z.string().regex(CLOCK_TIME, { error: "expected a time of day as HH:MM (00:00–23:59)" });

/** A 5-field cron expression (minute hour day-of-month month day-of-week). */
export const cron = () =>
  z.string().refine(isValidCron, { error: "expected a 5-field cron expression such as \"0 2 * * sun\"" });

/** Id of a provider or pool: lowercase letters, digits, `-` and `.` (docs/ARCHITECTURE.md §2.3). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9.-]*$/;

/** A record key that must be a lowercase dotted id. */
export const idKey = () =>
  z.string().regex(ID_PATTERN, { error: "ids use lowercase letters, digits, '-' and '.' only" });

/**
 * A map entry whose YAML value may be left empty (`openai:` with nothing under it parses as null):
 * null is read as `{}`, so every default applies.
 */
export const nullAsEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value: z.input<T> | null) => (value === null ? {} : value), schema);

/** An open object whose extra keys are passed untouched to a connector. */
export const passthrough = () => z.record(z.string(), z.unknown());

/**
 * A key the schema documents but ModelMesh does not act on yet: any value other than `allowed` (the behaviour
 * ModelMesh has anyway) is rejected with `not supported yet: <reason>`, so no setting is accepted and ignored.
 * Without `allowed`, any value is rejected.
 */
export const notSupported = <T extends z.ZodType>(schema: T, reason: string, allowed?: (value: z.output<T>) => boolean) =>
  schema.superRefine((value, ctx) => {
    if (allowed?.(value)) return;
    ctx.addIssue({ code: "custom", message: `not supported yet: ${reason}` });
  });
