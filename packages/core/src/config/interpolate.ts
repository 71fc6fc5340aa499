/**
 * `${env:NAME}`, `${env:NAME:-default}` and `${secrets:NAME}` in any string value of the config, also
 * inside longer strings. The `secrets` section is resolved first and may use only `${env:…}`; secrets
 * are then resolved once per name through the injected resolver. `$${` writes a literal `${`.
 * Resolved values never appear in an issue message.
 */
import { envSecret } from "./env-name.js";
import { isRecord } from "./schema-checks.js";
import { secretsSchema } from "./schema-services.js";
import type { SecretsConfig } from "./schema.js";
import type { ConfigPath, ConfigIssueDraft } from "./issues.js";

/** What a secret resolver may use to pick its store: the resolved, validated `secrets` section. */
export interface SecretResolverContext {
  /** The `secrets` section (store id, path, region, pass-through keys), defaults applied. */
  secrets: SecretsConfig;
}

/**
 * Resolves one secret by name; `undefined` (or a rejection with code `MM_SECRET_MISSING`) means "not
 * found". The second argument may be ignored by simple resolvers.
 */
export type SecretResolver = (name: string, context: SecretResolverContext) => Promise<string | undefined>;

/** Environment variables, as `process.env` holds them. */
export type EnvRecord = Record<string, string | undefined>;

/** Options of {@link interpolateConfig}. */
export interface InterpolateOptions {
  /** Environment for `${env:…}` (and for `${secrets:…}` with the default env store). Default: `process.env` when present. */
  env?: EnvRecord;
  /** Resolver for `${secrets:…}`. Default: read the environment when the store is `modelmesh.env.v1`. */
  resolveSecret?: SecretResolver;
}

/**
 * One config string that contained references and was fully resolved: where it is, and which value each
 * reference produced. Used only to keep those values out of error messages (they are shown as the reference).
 */
export interface ResolvedSite {
  /** Where the string is in the document as written. */
  path: ConfigPath;
  /** Each reference as it is shown in messages (`${env:NAME}`, `${secrets:NAME}`) and the value it produced. */
  parts: Array<{ reference: string; value: string }>;
  /** The whole resolved string. */
  value: string;
}

/** Result of {@link interpolateConfig}. */
export interface InterpolationResult {
  /** A copy of the input with every reference replaced (unresolvable ones are left as written). */
  value: unknown;
  /** Syntax errors, unset env vars, missing secrets — all of them. */
  issues: ConfigIssueDraft[];
  /** Paths whose string could not be fully resolved; later schema issues under them are noise. */
  unresolved: ConfigPath[];
  /** Resolved secret values (and values of env vars whose names look sensitive), for redaction. */
  sensitive: string[];
  /** Every string that was resolved, with the value of each of its references (for redaction). */
  resolved: ResolvedSite[];
  /** The first error thrown by the secret resolver, if any. */
  cause?: unknown;
}

/** The default store; with it `${secrets:NAME}` reads the environment variable NAME (or its UPPER_SNAKE form). */
export const DEFAULT_SECRET_STORE = "modelmesh.env.v1";

/** One `${…}` reference: an env var (with an optional `:-` fallback) or a named secret. */
export type ConfigReference = { kind: "env"; name: string; fallback?: string } | { kind: "secrets"; name: string };
/** A piece of a scanned string: literal text or a reference. */
export type ReferencePart = string | ConfigReference;
type Ref = ConfigReference;
type Part = ReferencePart;
interface Site {
  path: ConfigPath;
  parts: Part[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[^\s${}]+$/;
const SENSITIVE_ENV = /key|token|secret|pass|cred|auth/i;

/**
 * How a reference is named in messages: `${env:NAME}`, `${env:NAME:-default}` (a long default shortened to
 * `…`) or `${secrets:NAME}`. Never its value.
 */
export function referenceText(ref: ConfigReference): string {
  if (ref.kind === "secrets") return `\${secrets:${ref.name}}`;
  if (ref.fallback === undefined) return `\${env:${ref.name}}`;
  return `\${env:${ref.name}:-${ref.fallback.length <= 40 ? ref.fallback : "…"}}`;
}

/** Reads `process.env` without importing `node:process` (absent in browsers). */
export function defaultEnv(): EnvRecord {
  const proc = (globalThis as { process?: { env?: EnvRecord } }).process;
  return proc?.env ?? {};
}

function parseRef(body: string): Ref | string {
  const colon = body.indexOf(":");
  const scheme = colon < 0 ? body : body.slice(0, colon);
  const rest = body.slice(colon + 1);
  if (colon >= 0 && scheme === "env") {
    const dash = rest.indexOf(":-");
    const name = dash < 0 ? rest : rest.slice(0, dash);
    if (!ENV_NAME.test(name)) return "invalid environment variable name in ${env:…}";
    return dash < 0 ? { kind: "env", name } : { kind: "env", name, fallback: rest.slice(dash + 2) };
  }
  if (colon >= 0 && scheme === "secrets") {
    if (!SECRET_NAME.test(rest)) return "invalid secret name in ${secrets:…}";
    return { kind: "secrets", name: rest };
  }
  const shown = colon >= 0 && /^[A-Za-z_-]{1,20}$/.test(scheme) ? ` "${scheme}"` : "";
  return `unknown reference${shown}; use \${env:NAME}, \${env:NAME:-default} or \${secrets:NAME}`;
}

/** Splits a string into literal text and references, or returns an error message. */
export function scanReferences(text: string): { parts: Part[] } | { error: string } {
  const parts: Part[] = [];
  let literal = "";
  let index = 0;
  for (let start = text.indexOf("${"); start >= 0; start = text.indexOf("${", index)) {
    if (start > index && text[start - 1] === "$") {
      literal += `${text.slice(index, start - 1)}\${`;
      index = start + 2;
      continue;
    }
    const end = text.indexOf("}", start + 2);
    if (end < 0) return { error: "unterminated ${…} reference (missing })" };
    const ref = parseRef(text.slice(start + 2, end));
    if (typeof ref === "string") return { error: ref };
    parts.push(literal + text.slice(index, start), ref);
    literal = "";
    index = end + 1;
  }
  parts.push(literal + text.slice(index));
  return { parts: parts.filter((part) => part !== "") };
}

/**
 * Copies plain objects and arrays, collecting strings that contain references. `path` is one mutable stack
 * (copied only where a site or an issue is recorded), so a large document costs no per-value allocation.
 */
function collect(value: unknown, path: Array<string | number>, sites: Site[], issues: ConfigIssueDraft[], unresolved: ConfigPath[]): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    const scanned = scanReferences(value);
    if ("error" in scanned) {
      issues.push({ path: [...path], message: scanned.error });
      unresolved.push([...path]);
      return value;
    }
    if (scanned.parts.every((part) => typeof part === "string")) return scanned.parts.join("");
    sites.push({ path: [...path], parts: scanned.parts });
    return value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      out[i] = collect(value[i], path, sites, issues, unresolved);
      path.pop();
    }
    return out;
  }
  if (isRecord(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      path.push(key);
      const copy = collect(item, path, sites, issues, unresolved);
      path.pop();
      // An own `__proto__` key stays a key (plain assignment would replace the copy's prototype).
      if (key === "__proto__") Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
      else out[key] = copy;
    }
    return out;
  }
  return value;
}

function setIn(root: unknown, path: ConfigPath, value: string): void {
  if (path.length === 0) return; // a bare scalar document; the loader rejects it anyway
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}

/** The result of resolving one secret name: its value, or why it has none. */
type SecretOutcome = { value: string } | { message: string; missing: boolean; cause?: unknown };

async function resolveOneSecret(name: string, secrets: SecretsConfig, resolver: SecretResolver | undefined): Promise<SecretOutcome> {
  const notFound = { message: `secret "${name}" was not found in store ${secrets.store}`, missing: true };
  if (!resolver) {
    return { message: `secret "${name}" cannot be resolved: no secret resolver was given for store ${secrets.store}`, missing: true };
  }
  try {
    const value = await resolver(name, { secrets });
    return value === undefined ? notFound : { value };
  } catch (error) {
    // A store that follows the SecretStoreConnector contract rejects a missing name with this code.
    if (isRecord(error) && error.code === "MM_SECRET_MISSING") return notFound;
    const message = `secret "${name}" could not be resolved: the secret store ${secrets.store} failed (see cause)`;
    return { message, missing: false, cause: error };
  }
}

/** Resolves every distinct secret name once, in parallel. Skipped when the secrets section is unusable. */
async function resolveSecrets(sites: Site[], value: unknown, unresolved: ConfigPath[], options: InterpolateOptions, env: EnvRecord) {
  const names = new Set(sites.flatMap((site) => site.parts.flatMap((p) => (typeof p !== "string" && p.kind === "secrets" ? [p.name] : []))));
  const outcomes = new Map<string, SecretOutcome>();
  const parsed = secretsSchema.safeParse(isRecord(value) && value.secrets !== undefined ? value.secrets : {});
  // With a broken secrets section the references stay unresolved without extra noise: the schema
  // (or the failed env reference inside it) reports the section itself.
  if (names.size === 0 || !parsed.success || unresolved.some((path) => path[0] === "secrets")) return outcomes;
  const secrets = parsed.data;
  const resolver = options.resolveSecret ?? (secrets.store === DEFAULT_SECRET_STORE ? async (name: string) => envSecret(env, name) : undefined);
  await Promise.all([...names].map(async (name) => outcomes.set(name, await resolveOneSecret(name, secrets, resolver))));
  return outcomes;
}

/** Mutable state of one interpolation run. */
interface RunState {
  value: unknown;
  env: EnvRecord;
  secrets: Map<string, SecretOutcome>;
  issues: ConfigIssueDraft[];
  unresolved: ConfigPath[];
  sensitive: string[];
  resolved: ResolvedSite[];
}

/** The text of one reference, or undefined after recording why it has none. */
function resolvePart(part: Ref, path: ConfigPath, state: RunState): string | undefined {
  if (part.kind === "env") {
    const found = state.env[part.name];
    if (found !== undefined && (found !== "" || part.fallback === undefined)) {
      if (SENSITIVE_ENV.test(part.name)) state.sensitive.push(found);
      return found;
    }
    if (part.fallback !== undefined) return part.fallback;
    state.issues.push({ path, message: `environment variable ${part.name} is not set`, missing: true });
    return undefined;
  }
  if (path[0] === "secrets") {
    state.issues.push({ path, message: "the secrets section may only use ${env:…} references" });
    return undefined;
  }
  const outcome = state.secrets.get(part.name);
  if (outcome && "value" in outcome) {
    state.sensitive.push(outcome.value);
    return outcome.value;
  }
  if (outcome) state.issues.push({ path, message: outcome.message, missing: outcome.missing });
  return undefined;
}

/** Writes the resolved string of a site into the copy, or marks the site unresolved. */
function resolveSite(site: Site, state: RunState): void {
  let text = "";
  let ok = true;
  const parts: ResolvedSite["parts"] = [];
  for (const part of site.parts) {
    const resolved = typeof part === "string" ? part : resolvePart(part, site.path, state);
    if (resolved === undefined) ok = false;
    else text += resolved;
    if (resolved !== undefined && typeof part !== "string") parts.push({ reference: referenceText(part), value: resolved });
  }
  if (ok) {
    setIn(state.value, site.path, text);
    state.resolved.push({ path: site.path, parts, value: text });
  } else {
    state.unresolved.push(site.path);
    // The string stays as written, but a reference in it that did resolve must still never be printed.
    for (const part of parts) state.sensitive.push(part.value);
  }
}

/**
 * Replaces every `${env:…}` / `${secrets:…}` reference in a config value (the input is not modified).
 * Collects all problems instead of stopping at the first.
 */
export async function interpolateConfig(raw: unknown, options: InterpolateOptions = {}): Promise<InterpolationResult> {
  const env = options.env ?? defaultEnv();
  const issues: ConfigIssueDraft[] = [];
  const unresolved: ConfigPath[] = [];
  const sites: Site[] = [];
  const value = collect(raw, [], sites, issues, unresolved);
  const state: RunState = { value, env, secrets: new Map(), issues, unresolved, sensitive: [], resolved: [] };
  const inSecretsSection = (site: Site) => site.path[0] === "secrets";
  for (const site of sites.filter(inSecretsSection)) resolveSite(site, state);
  const otherSites = sites.filter((site) => !inSecretsSection(site));
  state.secrets = await resolveSecrets(otherSites, value, unresolved, options, env);
  for (const site of otherSites) resolveSite(site, state);
  const cause = [...state.secrets.values()].find((outcome) => "cause" in outcome && outcome.cause !== undefined);
  return {
    value,
    issues,
    unresolved,
    sensitive: [...new Set(state.sensitive)],
    resolved: state.resolved,
    ...(cause && "cause" in cause ? { cause: cause.cause } : {}),
  };
}
