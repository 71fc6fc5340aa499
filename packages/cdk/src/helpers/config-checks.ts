import type { ConfigIssue } from "@modelmesh/core";

/**
 * Small hand-written config checks, for the paths that must not load zod (a browser bundle pays ~100 kB
 * gzipped for it). Each check records a `ConfigIssue` (path + message, worded as zod words them, values never
 * echoed: they may be secrets) and returns whether the value passed, so a caller collects every problem of a
 * block before throwing one `ConfigError`. The zod schemas of the connector descriptors stay the reference;
 * tests keep the two in step (docs/ARCHITECTURE.md §2.2).
 */

/** Issues of one block, with the path prefix they are reported under. */
export interface IssueSink {
  readonly issues: ConfigIssue[];
}

/** What `typeof` would say, with zod's names for the cases it distinguishes. */
export function describeKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value;
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function joinPath(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

function wrongType(sink: IssueSink, path: string, expected: string, value: unknown): false {
  sink.issues.push({ path, message: `Invalid input: expected ${expected}, received ${describeKind(value)}` });
  return false;
}

/** `record[key]` is absent or a string (non-empty when `nonEmpty`). */
export function checkString(sink: IssueSink, record: Record<string, unknown>, key: string, path: string, options: { required?: boolean; nonEmpty?: boolean } = {}): boolean {
  const value = record[key];
  if (value === undefined && !options.required) return true;
  if (typeof value !== "string") return wrongType(sink, joinPath(path, key), "string", value);
  if (options.nonEmpty && value === "") {
    sink.issues.push({ path: joinPath(path, key), message: "Too small: expected string to have >=1 characters" });
    return false;
  }
  return true;
}

/** `record[key]` is absent or a boolean. */
export function checkBoolean(sink: IssueSink, record: Record<string, unknown>, key: string, path: string): boolean {
  const value = record[key];
  return value === undefined || typeof value === "boolean" || wrongType(sink, joinPath(path, key), "boolean", value);
}

/** `record[key]` is absent or a finite number, an integer when `int`, at least (or above, `positive`) zero. */
export function checkNumber(sink: IssueSink, record: Record<string, unknown>, key: string, path: string, options: { required?: boolean; int?: boolean; positive?: boolean } = {}): boolean {
  const value = record[key];
  if (value === undefined && !options.required) return true;
  const at = joinPath(path, key);
  if (typeof value !== "number" || !Number.isFinite(value)) return wrongType(sink, at, options.int ? "int" : "number", value);
  if (options.int && !Number.isInteger(value)) return wrongType(sink, at, "int", value);
  if (options.positive ? value <= 0 : value < 0) {
    sink.issues.push({ path: at, message: `Too small: expected number to be ${options.positive ? ">0" : ">=0"}` });
    return false;
  }
  return true;
}

/** `record[key]` is absent or a valid absolute URL (surrounding blanks ignored, as zod's `z.url()` does). */
export function checkUrl(sink: IssueSink, record: Record<string, unknown>, key: string, path: string, options: { required?: boolean } = {}): boolean {
  if (!checkString(sink, record, key, path, options)) return false;
  const value = record[key];
  if (value === undefined || canParseUrl((value as string).trim())) return true;
  sink.issues.push({ path: joinPath(path, key), message: "Invalid URL" });
  return false;
}

function canParseUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** `record[key]` is absent or an array whose items all pass `item` (each reported at its index). */
export function checkArray(sink: IssueSink, record: Record<string, unknown>, key: string, path: string, item: (value: unknown, path: string) => boolean): boolean {
  const value = record[key];
  if (value === undefined) return true;
  const at = joinPath(path, key);
  if (!Array.isArray(value)) return wrongType(sink, at, "array", value);
  let ok = true;
  value.forEach((entry, index) => {
    if (!item(entry, joinPath(at, index))) ok = false;
  });
  return ok;
}

/** `record[key]` is absent or an object whose own values all have type `valueType` (`"string"`, `"boolean"`). */
export function checkRecordOf(sink: IssueSink, record: Record<string, unknown>, key: string, path: string, valueType: "string" | "boolean"): boolean {
  const value = record[key];
  if (value === undefined) return true;
  const at = joinPath(path, key);
  if (!isRecord(value)) return wrongType(sink, at, "record", value);
  let ok = true;
  for (const [name, inner] of Object.entries(value)) if (typeof inner !== valueType) ok = wrongType(sink, joinPath(at, name), valueType, inner);
  return ok;
}

/** `value` is an object; otherwise records the issue at `path`. */
export function checkObject(sink: IssueSink, value: unknown, path: string): value is Record<string, unknown> {
  return isRecord(value) || wrongType(sink, path, "object", value);
}

/** An item check for {@link checkArray}: the item is a string. */
export function stringItem(sink: IssueSink): (value: unknown, path: string) => boolean {
  return (value, path) => typeof value === "string" || wrongType(sink, path, "string", value);
}
