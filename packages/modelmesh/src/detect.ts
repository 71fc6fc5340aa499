import { ConfigError } from "@modelmesh/core";

/** One provider that auto-detection can enable. */
export interface DetectableProvider {
  /** Provider name in the generated config (`openai`, `groq`, …). */
  name: string;
  /** Connector id. */
  connector: string;
  /** Env vars holding its API key, first match wins. */
  keyVars: readonly string[];
  /** Env var holding a host URL (local servers); its value replaces the base URL and no key is needed. */
  hostVar?: string;
  /** Turns the host variable's value into a base URL (adds scheme, port, version prefix). */
  toBaseUrl?: (host: string) => string | undefined;
}

/** A provider found in the environment or in `apiKeys`. */
export interface DetectedProvider {
  name: string;
  connector: string;
  /**
   * Its config block. `api_key` is always a `${env:NAME}` reference, never the key: the loader resolves it
   * and keeps the value out of every error. With `apiKeys`, NAME is the variable the explicit key stands for
   * (see {@link apiKeysEnv}).
   */
  config: { api_key?: string; base_url?: string };
  /** Where it came from (env var name or `apiKeys.<name>`), never the key itself. */
  source: string;
}

/** Options that steer detection; explicit ones beat ambient env. */
export interface DetectOptions {
  /** Keys by provider name or env var name. When given, ONLY these providers are used (env is ignored). */
  apiKeys?: Record<string, string>;
  /** Restrict to these provider names. */
  providers?: readonly string[];
}

/** The variable a provider's key is read from: its first key variable, else `MODELMESH_<NAME>_API_KEY`. */
function keyVariable(entry: DetectableProvider): string {
  return entry.keyVars[0] ?? `MODELMESH_${entry.name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_API_KEY`;
}

/** The `apiKeys` entry naming this provider (by provider name, else by one of its key variables). */
function explicitKey(entry: DetectableProvider, apiKeys: Record<string, string>): { label: string; key: string } | undefined {
  const given = (name: string): boolean => (apiKeys[name] ?? "").trim() !== "";
  if (given(entry.name)) return { label: entry.name, key: apiKeys[entry.name]! };
  const variable = entry.keyVars.find(given);
  return variable === undefined ? undefined : { label: variable, key: apiKeys[variable]! };
}

/**
 * The environment that `apiKeys` stands for: each explicit key under its provider's key variable. Config
 * built by {@link detectProviders} from `apiKeys` references these variables; `create()` resolves them
 * against this record, so a key passed in code never enters a config.
 */
export function apiKeysEnv(table: readonly DetectableProvider[], apiKeys: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of table) {
    const found = explicitKey(entry, apiKeys);
    if (found) env[keyVariable(entry)] = found.key.trim();
  }
  return env;
}

/**
 * Finds providers to enable. With `apiKeys`, only those (explicit beats ambient); otherwise every provider whose
 * key (or host) variable is set. `providers` filters either way. Keys appear only as `${env:NAME}`
 * references. Throws a `ConfigError` listing what to set when nothing is found.
 */
export function detectProviders(table: readonly DetectableProvider[], env: Record<string, string | undefined>, options: DetectOptions = {}): DetectedProvider[] {
  const allowed = options.providers ? new Set(options.providers) : undefined;
  const found: DetectedProvider[] = [];
  for (const entry of table) {
    if (allowed && !allowed.has(entry.name)) continue;
    if (options.apiKeys) {
      const explicit = explicitKey(entry, options.apiKeys);
      if (explicit) found.push({ name: entry.name, connector: entry.connector, config: { api_key: reference(keyVariable(entry)) }, source: `apiKeys.${explicit.label}` });
      continue;
    }
    const keyVar = entry.keyVars.find((v) => (env[v] ?? "").trim() !== "");
    if (keyVar) {
      found.push({ name: entry.name, connector: entry.connector, config: { api_key: reference(keyVar) }, source: keyVar });
      continue;
    }
    const host = entry.hostVar ? (env[entry.hostVar] ?? "").trim() : "";
    const baseUrl = host ? (entry.toBaseUrl?.(host) ?? host) : undefined;
    if (baseUrl) found.push({ name: entry.name, connector: entry.connector, config: { base_url: baseUrl }, source: entry.hostVar! });
  }
  if (found.length === 0) throw nothingFound(table, options);
  return found;
}

function reference(variable: string): string {
  return `\${env:${variable}}`;
}

function nothingFound(table: readonly DetectableProvider[], options: DetectOptions): ConfigError {
  const names = options.providers ? table.filter((t) => options.providers!.includes(t.name)) : table;
  const keys = names.flatMap((t) => t.keyVars).join(", ");
  const hosts = names.map((t) => t.hostVar).filter(Boolean).join(", ");
  const what = options.apiKeys
    ? `none of the apiKeys given (${Object.keys(options.apiKeys).join(", ") || "empty"}) names a known provider`
    : "no provider API key or local host was found in the environment";
  return new ConfigError({
    issues: [
      {
        path: "providers",
        message: `${what}. Set one of: ${keys}${hosts ? `; or a local server: ${hosts}` : ""}. Or pass { apiKeys }, { config: "modelmesh.yaml" }, or create a modelmesh.yaml.`,
      },
    ],
  });
}
