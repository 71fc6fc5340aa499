/**
 * Duration and size strings used across the config (`500ms`, `10s`, `1.5h`, `512MB`). Everything inside
 * ModelMesh is milliseconds and bytes; these helpers are the only place units are parsed, so
 * "seconds here, milliseconds there" mix-ups cannot happen.
 */
import { ConfigError } from "../errors/errors.js";

const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof DURATION_UNITS;

/** One `<number><unit>` group; several may follow each other (`1h30m`). */
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/gy;

/**
 * Parses a duration to milliseconds, or returns undefined when the input is not a duration.
 * Accepts a non-negative finite number (already milliseconds) or a string of one or more
 * `<number><unit>` groups with units `ms`, `s`, `m`, `h`, `d` (`500ms`, `10s`, `1.5h`, `1h30m`).
 * A bare numeric string (`"500"`) is rejected on purpose: its unit would be a guess.
 */
export function tryParseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = DURATION_PART.exec(text); match !== null; match = DURATION_PART.exec(text)) {
    total += Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit];
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== text.length) return undefined;
  return Math.round(total);
}

/**
 * Parses a duration to milliseconds (see {@link tryParseDuration} for the accepted forms).
 * @throws ConfigError (`MM_CONFIG_INVALID`) when the input is not a duration.
 * @example parseDuration("1.5h") // 5_400_000
 */
export function parseDuration(value: string | number): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    throw new ConfigError({ issues: [{ path: "", message: durationMessage() }] });
  }
  return ms;
}

/** The message used for every invalid duration (never echoes the value: it may come from a secret). */
export function durationMessage(): string {
  return "expected a duration such as 500ms, 10s, 5m, 1h, 1d or a number of milliseconds";
}

/**
 * Formats milliseconds as the shortest exact duration string, e.g. `90000` → `1m30s`, `500` → `500ms`,
 * `0` → `0ms`. The result parses back to the same value with {@link parseDuration}.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (!Number.isInteger(ms)) return `${ms}ms`;
  if (ms === 0) return "0ms";
  let rest = ms;
  let out = "";
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const size = DURATION_UNITS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)$/i;

/**
 * Parses a size to bytes, or returns undefined when the input is not a size. Accepts a non-negative
 * finite number (bytes) or `<number><unit>` with unit `B`, `KB`, `MB`, `GB`, `TB` (case-insensitive;
 * binary multiples, so `1KB` = 1024 bytes; `KiB`, `MiB`… are accepted as synonyms).
 */
export function tryParseSize(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== "string") return undefined;
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const factor = SIZE_UNITS[match[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

/**
 * Parses a size (`512MB`, `1KB`, or a number of bytes) to bytes.
 * @throws ConfigError (`MM_CONFIG_INVALID`) when the input is not a size.
 * @example parseSize("10MB") // 10_485_760
 */
export function parseSize(value: string | number): number {
  const bytes = tryParseSize(value);
  if (bytes === undefined) {
    throw new ConfigError({ issues: [{ path: "", message: sizeMessage() }] });
  }
  return bytes;
}

/** The message used for every invalid size (never echoes the value). */
export function sizeMessage(): string {
  return "expected a size such as 512KB, 10MB, 1GB or a number of bytes";
}

/** Formats bytes with the largest binary unit that divides them exactly, e.g. `10485760` → `10MB`. */
export function formatSize(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes <= 0) return `${bytes}B`;
  for (const [unit, factor] of [["TB", 1024 ** 4], ["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
