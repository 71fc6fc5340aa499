/**
 * Pure parsers for secret files: dotenv, JSON (nested → dotted keys) and a TOML subset. Platform-neutral;
 * `FileSecretStore` (Node) reads the files. Errors name the line, never the value found there.
 */
import { ConfigError } from "@modelmesh/core";

function fail(file: string | undefined, line: number, message: string): never {
  throw new ConfigError({ file, issues: [{ path: "secrets", message, line }] });
}

/**
 * Parses a dotenv document: `KEY=value` lines; blank lines and `#` comments skipped; optional `export `;
 * split at the first `=`; single quotes literal; double quotes with `\n`, `\t`, `\"`, `\\` escapes;
 * unquoted values lose a trailing ` # comment`. Lines without `=` are skipped.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    const eq = body.indexOf("=");
    if (eq <= 0) continue;
    const key = body.slice(0, eq).trim();
    let value = body.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = unescapeBasic(value);
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash).trimEnd();
    }
    out[key] = value;
  }
  return out;
}

function unescapeBasic(value: string): string {
  return value.replace(/\\(["\\nrt])/g, (_m, ch: string) => ({ n: "\n", r: "\r", t: "\t" })[ch] ?? ch);
}

/**
 * Flattens nested objects to dotted keys with string values: `{a: {b: 1}}` → `{"a.b": "1"}`. Arrays use
 * indices (`list.0`); null is skipped; numbers and booleans are stringified.
 */
export function flattenToDotted(value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (value === null || value === undefined) return out;
  if (typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, inner] of entries) flattenToDotted(inner, prefix ? `${prefix}.${key}` : key, out);
    return out;
  }
  if (prefix) out[prefix] = String(value);
  return out;
}

/** Selects the subtree at a dotted `path` (`secrets.prod`); undefined when absent. */
export function selectPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let current = value;
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Parses the TOML subset secret files need: `[table]` / `[a.b]` headers, `key = value` with bare, quoted or
 * dotted keys, basic `"…"` (escapes) and literal `'…'` strings, integers / floats (with `_`), booleans,
 * and `#` comments. Anything else (arrays, inline tables, multi-line strings, dates) is rejected with the
 * line number. Returns a nested object.
 */
export function parseTomlSubset(text: string, file?: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let table = root;
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = stripComment(raw).trim();
    if (line === "") return;
    const header = /^\[([^[\]]+)\]$/.exec(line);
    if (header) {
      table = descend(root, splitKey(header[1]!.trim(), file, lineNo), file, lineNo);
      return;
    }
    const eq = findUnquoted(line, "=");
    if (eq <= 0) fail(file, lineNo, "expected 'key = value' or a [table] header");
    const keys = splitKey(line.slice(0, eq).trim(), file, lineNo);
    const target = descend(table, keys.slice(0, -1), file, lineNo);
    const last = keys[keys.length - 1]!;
    if (last in target) fail(file, lineNo, `duplicate key '${keys.join(".")}'`);
    target[last] = parseTomlValue(line.slice(eq + 1).trim(), file, lineNo);
  });
  return root;
}

function parseTomlValue(text: string, file: string | undefined, line: number): string | number | boolean {
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2 && !text.startsWith('"""')) return unescapeBasic(text.slice(1, -1));
  if (text.startsWith("'") && text.endsWith("'") && text.length >= 2 && !text.startsWith("'''")) return text.slice(1, -1);
  if (text === "true" || text === "false") return text === "true";
  if (/^[+-]?(\d[\d_]*)(\.\d[\d_]*)?([eE][+-]?\d+)?$/.test(text)) return Number(text.replace(/_/g, ""));
  return fail(file, line, "unsupported value: use a quoted string, a number or a boolean (arrays, inline tables and dates are not supported)");
}

function stripComment(line: string): string {
  const hash = findUnquoted(line, "#");
  return hash >= 0 ? line.slice(0, hash) : line;
}

function findUnquoted(line: string, ch: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ch) return i;
  }
  return -1;
}

function splitKey(text: string, file: string | undefined, line: number): string[] {
  const parts: string[] = [];
  for (const match of text.matchAll(/\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/gy)) {
    parts.push(match[1] !== undefined ? unescapeBasic(match[1]) : (match[2] ?? match[3]!));
    if (match[4] === "") return parts;
  }
  return fail(file, line, `invalid key '${text.slice(0, 40)}'`);
}

function descend(root: Record<string, unknown>, keys: string[], file: string | undefined, line: number): Record<string, unknown> {
  let current = root;
  for (const key of keys) {
    const next = current[key];
    if (next === undefined) current[key] = {};
    else if (typeof next !== "object" || next === null) fail(file, line, `'${key}' is already a value, not a table`);
    current = current[key] as Record<string, unknown>;
  }
  return current;
}
