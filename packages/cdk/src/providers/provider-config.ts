import { ConfigError, parseResetDuration, type Clock, type ConfigIssue, type ModelFeatures, type ModelInfo } from "@modelmesh/core";
import { z } from "zod";
import type { Transport } from "../transport/types.js";

/**
 * Provider configuration: camelCase in TypeScript, snake_case in YAML (docs/ARCHITECTURE.md §2.2). The YAML block is
 * validated by {@link providerConfigSchema} and mapped by {@link providerConfigFromYaml}.
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

const modelSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
  context_window: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  features: z.record(z.string(), z.boolean()).optional(),
  delivery: z.record(z.string(), z.boolean()).optional(),
  pricing: z
    .object({
      input_per_million: z.number().nonnegative(),
      output_per_million: z.number().nonnegative(),
      per_request: z.number().nonnegative().optional(),
    })
    .optional(),
});

/** Zod schema of the snake_case YAML block of an OpenAI-style provider (extra keys allowed). */
export const providerConfigSchema = z.looseObject({
  base_url: z.url(),
  api_key: z.string().optional(),
  auth: z
    .object({
      method: z.enum(["api_key", "oauth", "service_account"]).optional(),
      api_key: z.string().optional(),
    })
    .optional(),
  models: z.array(modelSchema).optional(),
  capabilities: z.array(z.string()).optional(),
  timeout: z.union([z.number().nonnegative(), z.string()]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  organization: z.string().optional(),
  project: z.string().optional(),
  proxy_url: z.string().optional(),
  stream_usage: z.boolean().optional(),
});

/** The snake_case YAML block, as validated. */
export type ProviderConfigBlock = z.infer<typeof providerConfigSchema>;

/** `tool_calling` → `toolCalling`. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function mapModel(model: z.infer<typeof modelSchema>): ModelInfo {
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

/** Converts zod issues to config issues (paths only; values are never echoed: they may be secrets). */
export function zodIssues(error: z.ZodError, prefix = ""): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== "").join("."),
    message: issue.message,
  }));
}

/**
 * Validates a snake_case YAML provider block and maps it to camelCase config. Keys not known here are
 * passed on with camelCase names (values untouched), so subclasses can read their own keys.
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid path.
 * @example
 * const config = providerConfigFromYaml({ base_url: "https://my-proxy.internal/v1", auth: { api_key: "sk-…" } });
 */
export function providerConfigFromYaml(block: unknown, path = "config"): ProviderConfig & Record<string, unknown> {
  const parsed = providerConfigSchema.safeParse(block);
  if (!parsed.success) throw new ConfigError({ issues: zodIssues(parsed.error, path) });
  const { base_url, api_key, auth, models, capabilities, timeout, headers, stream_usage, ...rest } = parsed.data;
  const config: ProviderConfig & Record<string, unknown> = { baseUrl: base_url };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) config[snakeToCamel(key)] = value;
  const apiKey = auth?.api_key ?? api_key;
  if (apiKey !== undefined) config.apiKey = apiKey;
  if (models) config.models = models.map(mapModel);
  if (capabilities) config.capabilities = capabilities;
  if (headers) config.headers = headers;
  if (stream_usage !== undefined) config.streamUsage = stream_usage;
  if (timeout !== undefined) {
    // Numbers are milliseconds (the core convention); strings are durations like `30s` or `1m30s`.
    const ms = typeof timeout === "number" ? timeout : parseResetDuration(timeout);
    if (ms === undefined) throw new ConfigError({ issues: [{ path: `${path}.timeout`, message: "expected a duration such as 30s or 2m" }] });
    config.timeoutMs = ms;
  }
  return config;
}
