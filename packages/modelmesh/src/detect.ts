import { ModelMeshError } from "@modelmesh/core";

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

/**
 * Finds providers to enable. With `apiKeys`, only those (explicit beats ambient); otherwise every provider whose
 * key (or host) variable is set. `providers` filters either way. Throws a clear error listing what to set when
 * nothing is found.
 */
export function detectProviders(table: readonly DetectableProvider[], env: Record<string, string | undefined>, options: DetectOptions = {}): DetectedProvider[] {
  const allowed = options.providers ? new Set(options.providers) : undefined;
  const found: DetectedProvider[] = [];
  for (const entry of table) {
    if (allowed && !allowed.has(entry.name)) continue;
    if (options.apiKeys) {
      const byName = options.apiKeys[entry.name];
      const byVar = entry.keyVars.map((v) => options.apiKeys![v]).find((v) => v);
      const key = byName || byVar;
      if (key) found.push({ name: entry.name, connector: entry.connector, config: { api_key: key }, source: `apiKeys.${byName ? entry.name : entry.keyVars.find((v) => options.apiKeys![v])}` });
      continue;
    }
    const keyVar = entry.keyVars.find((v) => (env[v] ?? "").trim() !== "");
    if (keyVar) {
      found.push({ name: entry.name, connector: entry.connector, config: { api_key: env[keyVar]!.trim() }, source: keyVar });
      continue;
    }
    const host = entry.hostVar ? (env[entry.hostVar] ?? "").trim() : "";
    const baseUrl = host ? (entry.toBaseUrl?.(host) ?? host) : undefined;
    if (baseUrl) found.push({ name: entry.name, connector: entry.connector, config: { base_url: baseUrl }, source: entry.hostVar! });
  }
  if (found.length === 0) throw nothingFound(table, options);
  return found;
}

function nothingFound(table: readonly DetectableProvider[], options: DetectOptions): ModelMeshError {
  const names = options.providers ? table.filter((t) => options.providers!.includes(t.name)) : table;
  const keys = names.flatMap((t) => t.keyVars).join(", ");
  const hosts = names.map((t) => t.hostVar).filter(Boolean).join(", ");
  const what = options.apiKeys
    ? `none of the apiKeys given (${Object.keys(options.apiKeys).join(", ") || "empty"}) names a known provider`
    : "no provider API key or local host was found in the environment";
  return new ModelMeshError({
    code: "MM_CONFIG_INVALID",
    category: "config",
    name: "ModelMeshConfigError",
    message: `[modelmesh] [create] ${what}. Set one of: ${keys}${hosts ? `; or a local server: ${hosts}` : ""}. Or pass { apiKeys }, { config: "modelmesh.yaml" }, or create a modelmesh.yaml.`,
  });
}
