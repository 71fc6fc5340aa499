/**
 * Pure edits of secret files, used by the writable stores: a dotenv document changed line by line (other
 * lines and comments kept), and a JSON / TOML tree changed in place (other keys kept), plus the TOML writer.
 * A change maps a secret name to its new value, or to `undefined` to delete it.
 */
import { ConfigError } from "@modelmesh/core";

/** Name → new value (`undefined` deletes). */
export type SecretChanges = ReadonlyMap<string, string | undefined>;

/** Characters that need no quoting in a dotenv value (every dotenv reader takes them literally). */
const DOTENV_BARE = /^[A-Za-z0-9_\-./:@+,%=~^]+$/;

/**
 * A dotenv value as written: bare when it is safe, else single-quoted (literal, no expansion by any dotenv
 * reader), else double-quoted with `\n`, `\r`, `\t`, `\"`, `\\` escapes (the escapes `parseDotenv` reads).
 */
export function dotenvValue(value: string): string {
  if (DOTENV_BARE.test(value)) return value;
  if (!/['\r\n]/.test(value)) return `'${value}'`;
  return `"${value.replace(/[\\"\n\r\t]/g, (ch) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[ch]!)}"`;
}

/** The key a dotenv line assigns (as `parseDotenv` reads it) and whether it uses `export `, or undefined. */
function dotenvKey(line: string): { key: string; exported: boolean } | undefined {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return undefined;
  const exported = trimmed.startsWith("export ");
  const body = exported ? trimmed.slice(7).trimStart() : trimmed;
  const eq = body.indexOf("=");
  return eq <= 0 ? undefined : { key: body.slice(0, eq).trim(), exported };
}

/**
 * Applies `changes` to a dotenv document: the first line of a changed name is rewritten in place (keeping
 * `export `), its later duplicates dropped; deleted names lose every line; new names are appended. Blank
 * lines, comments and other assignments stay as they were, with the document's line ending.
 */
export function editDotenv(text: string, changes: SecretChanges): { text: string; existed: Set<string> } {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const existed = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const assigned = dotenvKey(line);
    if (!assigned || !changes.has(assigned.key)) {
      out.push(line);
      continue;
    }
    const value = changes.get(assigned.key);
    const first = !existed.has(assigned.key);
    existed.add(assigned.key);
    if (value !== undefined && first) out.push(`${assigned.exported ? "export " : ""}${assigned.key}=${dotenvValue(value)}`);
  }
  for (const [name, value] of changes) if (value !== undefined && !existed.has(name)) out.push(`${name}=${dotenvValue(value)}`);
  return { text: out.length === 0 ? "" : out.join(eol) + eol, existed };
}

type Tree = Record<string, unknown>;
const isTable = (value: unknown): value is Tree => typeof value === "object" && value !== null && !Array.isArray(value);

/** The object at dotted `scope` (created when absent); a non-object there is an error. */
function scopeOf(root: Tree, scope: string | undefined, file: string): Tree {
  let current = root;
  for (const part of scope ? scope.split(".") : []) {
    if (current[part] === undefined) current[part] = {};
    const next = current[part];
    if (!isTable(next)) throw new ConfigError({ file, issues: [{ path: scope!, message: "no table or object at this path" }] });
    current = next;
  }
  return current;
}

/** Where `name` lives: its own key in `table`, or a dotted path into nested objects; undefined when absent. */
function locate(table: Tree, name: string, file: string): { parent: Record<string, unknown>; key: string } | undefined {
  const found = Object.hasOwn(table, name) ? { parent: table, key: name } : walk(table, name.split("."));
  if (found && typeof found.parent[found.key] === "object" && found.parent[found.key] !== null) {
    throw new ConfigError({ file, issues: [{ path: "secrets", message: `'${name}' is a table of secrets, not one secret; set or delete its keys ('${name}.…')` }] });
  }
  return found;
}

function walk(table: Tree, parts: string[]): { parent: Record<string, unknown>; key: string } | undefined {
  let current: unknown = table;
  for (const part of parts.slice(0, -1)) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  const key = parts[parts.length - 1]!;
  if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
  return { parent: current as Record<string, unknown>, key };
}

/**
 * Applies `changes` to a parsed JSON / TOML tree in place, under the dotted `scope` (`json_path`). A name is
 * written where it already is (its own key, or its dotted path into nested objects), else as a new key of the
 * scope; deletes remove it there. Every other key stays.
 */
export function editTree(root: Tree, scope: string | undefined, changes: SecretChanges, file: string): Set<string> {
  const table = scopeOf(root, scope, file);
  const existed = new Set<string>();
  for (const [name, value] of changes) {
    const found = locate(table, name, file);
    if (found) existed.add(name);
    if (value !== undefined) (found ? found.parent : table)[found ? found.key : name] = value;
    else if (found) {
      if (Array.isArray(found.parent)) found.parent[Number(found.key)] = null; // keeps the other indices
      else delete found.parent[found.key];
    }
  }
  return existed;
}

const BARE_TOML_KEY = /^[A-Za-z0-9_-]+$/;
const tomlString = (value: string) => `"${value.replace(/[\\"\n\r\t]/g, (ch) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[ch]!)}"`;
const tomlKey = (key: string) => (BARE_TOML_KEY.test(key) ? key : tomlString(key));

function tomlScalar(value: unknown, path: string[], file: string): string {
  if (typeof value === "string") return tomlString(value);
  if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") return String(value);
  throw new ConfigError({ file, issues: [{ path: path.join("."), message: "cannot be written as TOML by this store (strings, numbers and booleans only)" }] });
}

/**
 * Writes a tree of tables, strings, numbers and booleans as the TOML subset `parseTomlSubset` reads: each
 * table's values as `key = value` lines under its `[a.b]` header. Comments and layout are not kept.
 */
export function stringifyTomlSubset(root: Tree, file: string): string {
  const out: string[] = [];
  const emit = (table: Tree, path: string[]) => {
    const entries = Object.entries(table).filter(([, value]) => value !== null && value !== undefined);
    const scalars = entries.filter(([, value]) => !isTable(value));
    const tables = entries.filter(([, value]) => isTable(value)) as Array<[string, Tree]>;
    if (path.length > 0 && (scalars.length > 0 || tables.length === 0)) out.push(`${out.length > 0 ? "\n" : ""}[${path.map(tomlKey).join(".")}]`);
    for (const [key, value] of scalars) out.push(`${tomlKey(key)} = ${tomlScalar(value, [...path, key], file)}`);
    for (const [key, value] of tables) emit(value, [...path, key]);
  };
  emit(root, []);
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
