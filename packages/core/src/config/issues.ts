/**
 * Config issues before they become a `ConfigError`: path arrays (so YAML lines can be found and lifted
 * models mapped back to where they were written), plus the zod message map and the zod → issue
 * conversion. No message built here contains an input value; messages built elsewhere (reference checks,
 * connector schemas) may quote one, so every message passes {@link scrubMessage}: a value that came from
 * `${env:…}` / `${secrets:…}` is shown as that reference, never as itself.
 */
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors/errors.js";
import type { ResolvedSite } from "./interpolate.js";

/** A path into the config document: map keys and array indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

/** An issue whose path is still an array. */
export interface ConfigIssueDraft {
  /** Where the problem is. */
  path: ConfigPath;
  /** What is wrong (never contains a resolved secret or env value). */
  message: string;
  /** True when the problem is an unset environment variable or an unresolvable secret. */
  missing?: boolean;
  /** Known source position (YAML syntax errors); otherwise found from `path`. */
  position?: SourcePosition;
}

/** Dotted form of a path: `providers.my-proxy.config.base_url`, array indexes as `.0`. */
export function formatPath(path: ConfigPath): string {
  return path.map(String).join(".");
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  null: "null",
};

/** Kind of a value for messages ("a string", "a list"); never the value itself. */
function describeInput(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a mapping";
  return TYPE_NAMES[typeof input] ?? `a ${typeof input}`;
}

/** Zod message map for config parsing: short, lowercase, value-free. Schema-level messages win. */
export function configErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, received ${describeInput(issue.input)}`;
    case "too_small":
      if (issue.origin === "array") return `must have at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === "string") return "must not be empty";
      return `must be ${issue.inclusive ? "≥" : ">"} ${String(issue.minimum)}`;
    case "too_big":
      if (issue.origin === "array") return `must have at most ${String(issue.maximum)} item(s)`;
      return `must be ${issue.inclusive ? "≤" : "<"} ${String(issue.maximum)}`;
    case "invalid_value":
      return `expected one of: ${issue.values.map((v) => String(v)).join(", ")}`;
    case "invalid_format":
      return `invalid ${issue.format}`;
    case "invalid_union":
      return "invalid value";
    default:
      return undefined;
  }
}

function unknownKeyMessage(parent: ConfigPath, topLevelSections: readonly string[]): string {
  if (parent.length === 0) return `unknown top-level section; known sections: ${topLevelSections.join(", ")}`;
  if (parent.length === 2 && parent[0] === "providers") {
    return `unknown key; connector settings (base_url, api_key, …) go under ${formatPath([...parent, "config"])}`;
  }
  return "unknown key";
}

/** Converts zod issues to draft issues: one per unknown key, conflicts naming both full paths. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], topLevelSections: readonly string[]): ConfigIssueDraft[] {
  const out: ConfigIssueDraft[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...path, key], message: unknownKeyMessage(path, topLevelSections) });
    } else if (issue.code === "invalid_key") {
      out.push({ path, message: `invalid name: ${issue.issues[0]?.message ?? "not allowed"}` });
    } else if (issue.code === "custom" && Array.isArray(issue.params?.conflictWith)) {
      const depth = typeof issue.params.depth === "number" ? issue.params.depth : 1;
      const other = [...path.slice(0, path.length - depth), ...(issue.params.conflictWith as string[])];
      out.push({ path, message: `${formatPath(other)} and ${formatPath(path)} are the same setting; give only one` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

/** 1-based position of a node in the source text. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Everything needed to turn draft issues into one ConfigError. */
export interface IssueContext {
  /** Source file name, for the error. */
  file?: string;
  /** Finds the line of a path in the YAML source (nearest existing ancestor). */
  locate?: (path: ConfigPath) => SourcePosition | undefined;
  /** Values that must never appear in a message (resolved secrets); replaced by `[redacted]`. */
  sensitive?: readonly string[];
  /** Strings resolved from references: in messages their values are replaced by the reference. */
  resolved?: readonly ResolvedSite[];
  /** Underlying error (e.g. a failing secret store). */
  cause?: unknown;
}

/** Replaces every sensitive value found in `message`. */
function redact(message: string, sensitive: readonly string[]): string {
  let out = message;
  for (const value of sensitive) if (value.length >= 4) out = out.split(value).join("[redacted]");
  return out;
}

/** A value to hide and what to show instead; `bounded` matches only where it is not part of a longer word. */
interface HideRule {
  value: string;
  replacement: string;
  bounded: boolean;
}

/** Values at least this long are hidden wherever they appear; shorter ones only as a whole word. */
const ANYWHERE_LENGTH = 8;

const isWordChar = (char: string | undefined) => char !== undefined && /[A-Za-z0-9_]/.test(char);

/** True when `path` (dotted) is the site's path or lies under it. */
function isUnder(path: string, site: string): boolean {
  return path === site || path.startsWith(`${site}.`);
}

function hideRules(path: string | undefined, resolved: readonly ResolvedSite[], sensitive: readonly string[]): HideRule[] {
  const rules = new Map<string, HideRule>();
  for (const site of resolved) {
    const local = path !== undefined && isUnder(path, formatPath(site.path));
    for (const { reference, value } of site.parts) {
      if (value === "" || rules.has(value)) continue;
      if (value.length >= ANYWHERE_LENGTH) rules.set(value, { value, replacement: reference, bounded: false });
      // A short value is hidden where it sits, or anywhere when it is a secret: as a whole word only, so
      // that a value such as `eu` does not mangle the rest of the message.
      else if (local || (value.length >= 4 && sensitive.includes(value))) rules.set(value, { value, replacement: reference, bounded: true });
    }
  }
  return [...rules.values()].sort((a, b) => b.value.length - a.value.length);
}

/** One left-to-right pass: the longest matching value wins, and replacements are never scanned again. */
function applyRules(text: string, rules: readonly HideRule[]): string {
  if (rules.length === 0) return text;
  let out = "";
  let i = 0;
  scan: while (i < text.length) {
    for (const rule of rules) {
      if (!text.startsWith(rule.value, i)) continue;
      if (rule.bounded && (isWordChar(text[i - 1]) || isWordChar(text[i + rule.value.length]))) continue;
      out += rule.replacement;
      i += rule.value.length;
      continue scan;
    }
    out += text[i];
    i++;
  }
  return out;
}

/**
 * The message with every value that came from a reference replaced by the reference (`${env:NAME}`), and,
 * for an issue at a string that was resolved, ` (value from ${env:NAME})` appended so the reader knows
 * where the hidden value came from. Remaining sensitive values become `[redacted]`.
 * @param path dotted path of the issue, when it has one.
 */
export function scrubMessage(
  message: string,
  path: string | undefined,
  context: { resolved?: readonly ResolvedSite[]; sensitive?: readonly string[] },
): string {
  const resolved = context.resolved ?? [];
  const sensitive = context.sensitive ?? [];
  let out = redact(applyRules(message, hideRules(path, resolved, sensitive)), sensitive);
  if (path !== undefined) {
    const references = [...new Set(resolved.filter((site) => isUnder(path, formatPath(site.path))).flatMap((site) => site.parts.map((p) => p.reference)))];
    if (references.length > 0 && !references.every((reference) => out.includes(reference))) out += ` (value from ${references.join(", ")})`;
  }
  return out;
}

/**
 * Builds the single ConfigError for a list of draft issues: positions added, document order when
 * positions are known, sensitive values redacted. Code `MM_SECRET_MISSING` when every issue is a missing
 * secret or env var, else `MM_CONFIG_INVALID`.
 */
export function toConfigError(drafts: readonly ConfigIssueDraft[], context: IssueContext = {}): ConfigError {
  const issues: ConfigIssue[] = drafts.map((draft) => {
    const position = draft.position ?? context.locate?.(draft.path);
    const path = formatPath(draft.path);
    return {
      path,
      message: scrubMessage(draft.message, path, context),
      ...(position ? { line: position.line, column: position.column } : {}),
    };
  });
  if (context.locate) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  }
  const code = drafts.length > 0 && drafts.every((d) => d.missing) ? "MM_SECRET_MISSING" : "MM_CONFIG_INVALID";
  return new ConfigError({
    issues,
    code,
    ...(context.file !== undefined ? { file: context.file } : {}),
    ...(context.cause !== undefined ? { cause: context.cause } : {}),
  });
}
