import { ConfigError, type ModelInfo } from "@modelmesh/core";
import { providerConfigFromYaml, providerConfigSchema } from "@modelmesh/cdk";
import { z } from "zod";
import type { OpenAIProviderConfig } from "../openai-provider.js";
import { cloneModel } from "../openai-response-mapping.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Turns a snake_case connector config block plus the connector context's environment into the camelCase
 * config of an `OpenAIProvider`, filling in what the preset supplies. Pure: the environment is passed in.
 */

/**
 * Zod schema of the config block of `openai.llm.v1` and every preset (snake_case, extra keys allowed):
 * the CDK's OpenAI-style block with `base_url` optional (the preset supplies it). Keys: `base_url`,
 * `api_key` (or `auth.api_key`), `organization`, `project`, `models`, `capabilities`, `headers`, `timeout`,
 * `stream_usage`.
 */
export const openaiConnectorConfigSchema = /* @__PURE__ */ providerConfigSchema.extend({ base_url: /* @__PURE__ */ z.url().optional() });

/** The validated snake_case config block of `openai.llm.v1` and the presets. */
export type OpenAIConnectorConfig = z.infer<typeof openaiConnectorConfigSchema>;

/** Environment variables, as the connector context carries them. */
export type EnvRecord = Record<string, string | undefined>;

/**
 * The base URL a local server's host variable points at: `127.0.0.1:11434`, `gpu-box`, `http://gpu-box:8000`
 * or a full URL with a path. A missing scheme becomes `http://`; a bare host without port gets the preset's
 * port; a missing path becomes the preset's version prefix (`/v1`). Returns undefined for a value that is
 * not a host.
 * @example
 * hostToBaseUrl("0.0.0.0:11434", "http://localhost:11434/v1"); // → "http://0.0.0.0:11434/v1"
 */
export function hostToBaseUrl(host: string, presetBaseUrl: string): string | undefined {
  const trimmed = host.trim();
  if (trimmed === "") return undefined;
  const preset = new URL(presetBaseUrl);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  let url: URL;
  try {
    url = new URL(hasScheme ? trimmed : `http://${trimmed}`);
  } catch {
    return undefined;
  }
  // A bare host (`gpu-box`) means the server's usual port; a URL with a scheme keeps the scheme's default.
  if (!hasScheme && url.port === "" && !/:\d+(\/|$)/.test(trimmed) && preset.port !== "") url.port = preset.port;
  const path = url.pathname === "/" || url.pathname === "" ? preset.pathname : url.pathname;
  return `${url.protocol}//${url.host}${path}`.replace(/\/+$/, "");
}

/** What `resolvePresetConfig` needs from the connector context. */
export interface PresetContext {
  /** Instance id (the provider's name in the config). */
  instanceId?: string;
  /** Environment, read only for the preset's `envVar` (and a local preset's `keyEnvVar`). */
  env?: EnvRecord;
}

/**
 * The provider config for `preset` from a validated block. Precedence: the block, then the preset's
 * environment variable, then the preset's defaults.
 * @throws ConfigError when a hosted (non-local) vendor gets no API key from the block or the environment
 *   (an explicit `api_key: ""` means "no key on purpose", e.g. behind a keyless proxy).
 */
export function resolvePresetConfig(preset: OpenAICompatiblePreset, block: OpenAIConnectorConfig, context: PresetContext = {}, path = "config"): OpenAIProviderConfig {
  const env = context.env ?? {};
  const fromEnv = env[preset.envVar];
  const localBase = preset.local && fromEnv ? hostToBaseUrl(fromEnv, preset.baseUrl) : undefined;
  const baseUrl = block.base_url ?? localBase ?? preset.baseUrl;
  const configured = providerConfigFromYaml({ ...block, base_url: baseUrl }, path);
  // A local server needs no key; its optional key variable (a server started with one) is read when set.
  const apiKey = configured.apiKey ?? (preset.local ? optionalKey(env, preset.keyEnvVar) : fromEnv);
  if (apiKey === undefined && !preset.local) {
    throw new ConfigError({
      issues: [{ path: `${path}.api_key`, message: `${preset.name} needs an API key: set api_key (e.g. "\${env:${preset.envVar}}") or the ${preset.envVar} environment variable` }],
    });
  }
  const models: readonly ModelInfo[] = configured.models?.length ? configured.models : preset.models;
  const headers = { ...(preset.headers ?? {}), ...(configured.headers ?? {}) };
  return {
    ...configured,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(context.instanceId !== undefined ? { id: context.instanceId } : {}),
    connectorId: preset.id,
    models: models.map(cloneModel),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(preset.quirks ? { quirks: preset.quirks } : {}),
  };
}

/** A local preset's optional key from the environment (an empty value counts as unset). */
function optionalKey(env: EnvRecord, name: string | undefined): string | undefined {
  const value = name !== undefined ? env[name] : undefined;
  return value !== undefined && value !== "" ? value : undefined;
}
