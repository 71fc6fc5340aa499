import { providerConfigFromYaml, providerConfigSchema, type ProviderConfig } from "@modelmesh/cdk";
import { ConfigError } from "@modelmesh/core";
import { z } from "zod";

/**
 * Configuration of `anthropic.claude.v1`: the snake_case block (YAML and code alike, docs/ARCHITECTURE.md §2.2),
 * validated by {@link anthropicProviderConfigSchema}, and its camelCase form {@link AnthropicProviderConfig}.
 */

/** Default API origin. Paths (`/v1/messages`, `/v1/models`) are appended, as the official SDK does. */
export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/** The API version sent as `anthropic-version` (the wire format this connector implements). */
export const ANTHROPIC_VERSION = "2023-06-01";

/** camelCase configuration of {@link AnthropicProvider}. */
export interface AnthropicProviderConfig extends Omit<ProviderConfig, "baseUrl"> {
  /** API origin without `/v1`; default `https://api.anthropic.com`. */
  baseUrl?: string;
  /** The API key; sent as `x-api-key` (or as a bearer token, see {@link authScheme}). Never appears in errors. */
  apiKey?: string;
  /**
   * How the key is sent: `x-api-key` (default; the `2023-06-01` API) or `bearer` (`Authorization: Bearer`,
   * what SDK 1.x sends with API version `2026-10-21`).
   */
  authScheme?: "x-api-key" | "bearer";
  /** `anthropic-version` header; default `2023-06-01`. */
  anthropicVersion?: string;
  /** Beta features, sent comma-joined as `anthropic-beta` (e.g. `["prompt-caching-2024-07-31"]`). */
  betas?: string[];
  /**
   * Sends `anthropic-dangerous-direct-browser-access: true`, which lets a browser call the API directly
   * (CORS). The key is then visible to the page's user: only for user-supplied or personal keys.
   */
  dangerouslyAllowBrowser?: boolean;
  /** `max_tokens` for requests that set none; default: the model's `maxOutputTokens` from the catalogue. */
  defaultMaxTokens?: number;
  /** `response_format` json_schema through a forced tool (`tool`, default) or `output_config.format` (`native`). */
  structuredOutput?: "tool" | "native";
  /** When true, `listModels()` asks `GET /v1/models` once and merges the answer with the catalogue. */
  discoverModels?: boolean;
  /** CORS proxy for browsers: the full target URL is appended to it as path. */
  proxyUrl?: string;
}

/** Zod schema of the snake_case config block (cdk's provider keys plus Anthropic's own; extra keys allowed). */
export const anthropicProviderConfigSchema = /*#__PURE__*/ providerConfigSchema.extend({
  base_url: z.url().optional(),
  auth_scheme: z.enum(["x-api-key", "bearer"]).optional(),
  anthropic_version: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date such as 2023-06-01").optional(),
  betas: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
  dangerously_allow_browser: z.boolean().optional(),
  default_max_tokens: z.number().int().positive().optional(),
  structured_output: z.enum(["tool", "native"]).optional(),
  discover_models: z.boolean().optional(),
  proxy_url: z.url().optional(),
});

/** The snake_case config block, as validated. */
export type AnthropicProviderConfigBlock = z.input<typeof anthropicProviderConfigSchema>;

/**
 * Validates a snake_case block and maps it to {@link AnthropicProviderConfig} (models, timeout and auth are
 * mapped by cdk's `providerConfigFromYaml`).
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid path (values are never echoed).
 */
export function anthropicConfigFromBlock(block: unknown, path = "config"): AnthropicProviderConfig {
  const parsed = anthropicProviderConfigSchema.safeParse(block ?? {});
  if (!parsed.success) {
    throw new ConfigError({
      issues: parsed.error.issues.map((issue) => ({ path: [path, ...issue.path.map(String)].join("."), message: issue.message })),
    });
  }
  const { betas, ...rest } = providerConfigFromYaml({ ...parsed.data, base_url: parsed.data.base_url ?? ANTHROPIC_BASE_URL }, path);
  const config = rest as AnthropicProviderConfig;
  if (betas !== undefined) config.betas = typeof betas === "string" ? betas.split(",").map((beta) => beta.trim()).filter(Boolean) : (betas as string[]);
  return config;
}
