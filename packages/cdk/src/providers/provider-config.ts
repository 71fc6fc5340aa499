import { ConfigError, parseResetDuration, type Clock, type ConfigIssue, type ModelFeatures, type ModelInfo } from "@modelmesh/core";
import {
  checkArray,
  checkBoolean,
  checkNumber,
  checkObject,
  checkRecordOf,
  checkString,
  checkUrl,
  isRecord,
  stringItem,
  type IssueSink,
} from "../helpers/config-checks.js";
import type { Transport } from "../transport/types.js";

/**
 * Provider configuration: camelCase in TypeScript, snake_case in YAML (docs/ARCHITECTURE.md §2.2). The YAML block is
 * validated and mapped by {@link providerConfigFromYaml}, a typed object checked by {@link checkProviderConfig}.
 * Both are hand-written and zod-free, so a provider class (whose `fromConfig` uses the first) bundles for the
 * browser without zod; the zod schema of the same block, for connector descriptors, is `providerConfigSchema`
 * (`provider-config-schema.ts`).
 */

/** Configuration shared by every provider built on the CDK base classes. */
export interface ProviderConfig {
  /** Instance id: the provider's name in the config (e.g. `my-proxy`). Default: the base URL's host. */
  id?: string;
  /** Connector id it was built from. Default: the class's `CONNECTOR_ID`. */
  connectorId?: string;
  /** Base URL INCLUDING its version prefix (`https://api.openai.com/v1`); endpoints append `/chat/completions` etc. */
  baseUrl: string;
  /** API key sent as `Authorization: Bearer <key>`; omitted when empty. Never appears in errors. */
  apiKey?: string;
  /** Models offered (vendor ids). Empty: discovered by `discoverModels()` where the class does so. */
  models?: ModelInfo[];
  /** Capability paths served. Default: the union of the models' capabilities, else chat completion. */
  capabilities?: string[];
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** HTTP transport. Default: chosen by the class (fetch, or undici in `@modelmesh/cdk/node`). */
  transport?: Transport;
  /** Time source for timers and accounting. Default: the system clock. */
  clock?: Clock;
  /** Fallback per-attempt timeout in ms, used when a call brings no `timeouts`. Default 60 000. */
  timeoutMs?: number;
  /** Whether to request `stream_options.include_usage` on streams. Default true. */
  streamUsage?: boolean;
}

/** The default capability of a provider that declares none. */
export const CHAT_COMPLETION = "generation.text-generation.chat-completion";

/** `tool_calling` → `toolCalling`. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const AUTH_METHODS: readonly string[] = ["api_key", "oauth", "service_account"];

/** Checks one snake_case model entry (`models.N`); same rules as the zod `modelSchema`. */
function checkYamlModel(sink: IssueSink, model: unknown, path: string): boolean {
  if (!checkObject(sink, model, path)) return false;
  const checks = [
    checkString(sink, model, "id", path, { required: true, nonEmpty: true }),
    checkString(sink, model, "name", path),
    checkArray(sink, model, "capabilities", path, stringItem(sink)),
    checkNumber(sink, model, "context_window", path, { int: true, positive: true }),
    checkNumber(sink, model, "max_output_tokens", path, { int: true, positive: true }),
    checkRecordOf(sink, model, "features", path, "boolean"),
    checkRecordOf(sink, model, "delivery", path, "boolean"),
  ];
  const pricing = model.pricing;
  if (pricing !== undefined && checkObject(sink, pricing, `${path}.pricing`)) {
    checks.push(
      checkNumber(sink, pricing, "input_per_million", `${path}.pricing`, { required: true }),
      checkNumber(sink, pricing, "output_per_million", `${path}.pricing`, { required: true }),
      checkNumber(sink, pricing, "per_request", `${path}.pricing`),
    );
  } else if (pricing !== undefined) checks.push(false);
  return checks.every(Boolean);
}

/** Checks the `auth` object: `method` one of the known ones, `api_key` a string. */
function checkAuth(sink: IssueSink, auth: unknown, path: string): void {
  if (auth === undefined || !checkObject(sink, auth, path)) return;
  if (auth.method !== undefined && !AUTH_METHODS.includes(auth.method as string)) {
    sink.issues.push({ path: `${path}.method`, message: `Invalid option: expected one of ${AUTH_METHODS.map((m) => `"${m}"`).join("|")}` });
  }
  checkString(sink, auth, "api_key", path);
}

/** Every issue of a snake_case provider block (the rules of `providerConfigSchema`), under `path`. */
function yamlBlockIssues(block: unknown, path: string): ConfigIssue[] {
  const sink: IssueSink = { issues: [] };
  if (!checkObject(sink, block, path)) return sink.issues;
  checkUrl(sink, block, "base_url", path, { required: true });
  for (const key of ["api_key", "organization", "project", "proxy_url"]) checkString(sink, block, key, path);
  checkAuth(sink, block.auth, `${path}.auth`);
  checkArray(sink, block, "models", path, (model, at) => checkYamlModel(sink, model, at));
  checkArray(sink, block, "capabilities", path, stringItem(sink));
  if (typeof block.timeout === "number") checkNumber(sink, block, "timeout", path);
  else if (block.timeout !== undefined && typeof block.timeout !== "string") sink.issues.push({ path: `${path}.timeout`, message: "Invalid input: expected a number of milliseconds or a duration such as 30s" });
  checkRecordOf(sink, block, "headers", path, "string");
  checkBoolean(sink, block, "stream_usage", path);
  return sink.issues;
}

type YamlModel = {
  id: string;
  name?: string;
  capabilities?: string[];
  context_window?: number;
  max_output_tokens?: number;
  features?: Record<string, boolean>;
  delivery?: Record<string, boolean>;
  pricing?: { input_per_million: number; output_per_million: number; per_request?: number };
};

function mapModel(model: YamlModel): ModelInfo {
  const info: ModelInfo = { id: model.id, capabilities: model.capabilities ?? [] };
  if (model.name !== undefined) info.name = model.name;
  if (model.context_window !== undefined) info.contextWindow = model.context_window;
  if (model.max_output_tokens !== undefined) info.maxOutputTokens = model.max_output_tokens;
  if (model.features) {
    const features: Record<string, boolean> = {};
    for (const [key, value] of Object.entries(model.features)) features[snakeToCamel(key)] = value;
    info.features = features as ModelFeatures;
  }
  if (model.delivery) info.delivery = { ...model.delivery };
  if (model.pricing) {
    info.pricing = { inputPerMillion: model.pricing.input_per_million, outputPerMillion: model.pricing.output_per_million };
    if (model.pricing.per_request !== undefined) info.pricing.perRequest = model.pricing.per_request;
  }
  return info;
}

/**
 * Validates a snake_case YAML provider block and maps it to camelCase config. Keys not known here are
 * passed on with camelCase names (values untouched), so subclasses can read their own keys. Same rules as
 * `providerConfigSchema` (zod), checked by hand so that this path never loads zod.
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid path.
 * @example
 * const config = providerConfigFromYaml({ base_url: "https://my-proxy.internal/v1", auth: { api_key: "sk-…" } });
 */
export function providerConfigFromYaml(block: unknown, path = "config"): ProviderConfig & Record<string, unknown> {
  const issues = yamlBlockIssues(block, path);
  if (issues.length > 0 || !isRecord(block)) throw new ConfigError({ issues });
  const { base_url, api_key, auth, models, capabilities, timeout, headers, stream_usage, ...rest } = block as Record<string, unknown>;
  // As zod's `z.url()` returns it: trimmed, tabs and newlines removed.
  const config: ProviderConfig & Record<string, unknown> = { baseUrl: (base_url as string).trim().replace(/[\t\n\r]/g, "") };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) config[snakeToCamel(key)] = value;
  const apiKey = (auth as { api_key?: string } | undefined)?.api_key ?? (api_key as string | undefined);
  if (apiKey !== undefined) config.apiKey = apiKey;
  if (models) config.models = (models as YamlModel[]).map(mapModel);
  if (capabilities) config.capabilities = [...(capabilities as string[])];
  if (headers) config.headers = { ...(headers as Record<string, string>) };
  if (stream_usage !== undefined) config.streamUsage = stream_usage as boolean;
  if (timeout !== undefined) {
    // Numbers are milliseconds (the core convention); strings are durations like `30s` or `1m30s`.
    const ms = typeof timeout === "number" ? timeout : parseResetDuration(timeout as string);
    if (ms === undefined) throw new ConfigError({ issues: [{ path: `${path}.timeout`, message: "expected a duration such as 30s or 2m" }] });
    config.timeoutMs = ms;
  }
  return config;
}

/** Checks one camelCase model entry of a typed config. */
function checkTypedModel(sink: IssueSink, model: unknown, path: string): boolean {
  if (!checkObject(sink, model, path)) return false;
  const checks = [
    checkString(sink, model, "id", path, { required: true, nonEmpty: true }),
    checkString(sink, model, "name", path),
    checkArray(sink, model, "capabilities", path, stringItem(sink)),
    checkNumber(sink, model, "contextWindow", path, { int: true, positive: true }),
    checkNumber(sink, model, "maxOutputTokens", path, { int: true, positive: true }),
  ];
  if (model.capabilities === undefined) {
    // Optional in YAML (the provider's capabilities apply), required in a `ModelInfo`.
    sink.issues.push({ path: `${path}.capabilities`, message: "Invalid input: expected array, received undefined" });
    checks.push(false);
  }
  return checks.every(Boolean);
}

/**
 * Checks a typed (camelCase) provider config object at run time, for code that builds one without the YAML
 * mapper (a browser page, a config from JSON): `baseUrl` a URL (optional when `baseUrlOptional`, for classes
 * that default it), `apiKey`, `id`, `organization`, `project` strings, `models` entries with an `id` and a
 * `capabilities` array, `headers` strings, `timeoutMs` a non-negative number, `streamUsage` a boolean,
 * `transport` a function. Unknown keys are left to the class.
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid path; values are never echoed.
 * @example
 * checkProviderConfig({ baseUrl: "https://api.openai.com/v1", apiKey: key }); // passes
 * checkProviderConfig({ baseUrl: "openai" }); // throws: config.baseUrl: Invalid URL
 */
export function checkProviderConfig(config: unknown, options: { path?: string; baseUrlOptional?: boolean } = {}): void {
  const path = options.path ?? "config";
  const sink: IssueSink = { issues: [] };
  if (checkObject(sink, config, path)) {
    const baseUrlGiven = config.baseUrl !== undefined && config.baseUrl !== "";
    if (baseUrlGiven || !options.baseUrlOptional) checkUrl(sink, config, "baseUrl", path, { required: true });
    for (const key of ["id", "connectorId", "apiKey", "organization", "project"]) checkString(sink, config, key, path);
    checkArray(sink, config, "models", path, (model, at) => checkTypedModel(sink, model, at));
    checkArray(sink, config, "capabilities", path, stringItem(sink));
    checkRecordOf(sink, config, "headers", path, "string");
    checkNumber(sink, config, "timeoutMs", path);
    checkBoolean(sink, config, "streamUsage", path);
    if (config.transport !== undefined && typeof config.transport !== "function") {
      sink.issues.push({ path: `${path}.transport`, message: `Invalid input: expected function, received ${typeof config.transport}` });
    }
  }
  if (sink.issues.length > 0) throw new ConfigError({ issues: sink.issues });
}
