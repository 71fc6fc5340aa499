import { OPENAI_BASE_URL } from "@modelmesh/cdk";
import { OPENAI_MODELS } from "./openai-models.js";
import { OPENAI_COMPATIBLE_PRESETS } from "./presets/index.js";
import type { OpenAICompatiblePreset } from "./presets/openai-compatible-preset.js";
import { createPresetProvider, presetConnector, type OpenAICompatibleConnector, type PresetProviderContext } from "./presets/preset-connector.js";
import type { OpenAIProvider } from "./openai-provider.js";
import { azureOpenAIConnector, type AzureOpenAIConnector } from "./azure/azure-connector.js";

/**
 * `openai.llm.v1` is itself described as a preset (OpenAI's base URL, `OPENAI_API_KEY`, the OpenAI catalogue)
 * and goes through the same `presetConnector` as every compatible vendor: one code path for all of them.
 */

/** OpenAI's own entry: `https://api.openai.com/v1`, key from `OPENAI_API_KEY`, the default catalogue. */
export const OPENAI_PRESET: OpenAICompatiblePreset = {
  id: "openai.llm.v1",
  aliases: ["openai"],
  name: "OpenAI",
  baseUrl: OPENAI_BASE_URL,
  envVar: "OPENAI_API_KEY",
  docs: "https://platform.openai.com/docs/api-reference",
  models: OPENAI_MODELS,
};

/** The `openai.llm.v1` connector descriptor (alias `openai`). */
export const connector: OpenAICompatibleConnector = /*#__PURE__*/ presetConnector(OPENAI_PRESET);

/** A connector of this package: `openai.llm.v1` or a preset (one config shape), or `azure.openai.v1`. */
export type OpenAIFamilyConnector = OpenAICompatibleConnector | AzureOpenAIConnector;

function allConnectors(): readonly OpenAIFamilyConnector[] {
  return [connector, ...OPENAI_COMPATIBLE_PRESETS.map(presetConnector), azureOpenAIConnector];
}

/** `openai.llm.v1`, one connector per entry of `OPENAI_COMPATIBLE_PRESETS`, then `azure.openai.v1`. */
export const connectors: readonly OpenAIFamilyConnector[] = /*#__PURE__*/ allConnectors();

/** Options of {@link createOpenAIProvider}: the snake_case block of `openai.llm.v1`, plus context parts. */
export interface CreateOpenAIProviderOptions extends PresetProviderContext {
  /** `api_key`, `base_url`, `organization`, `project`, `models`, `headers`, `timeout`, `stream_usage`. */
  config?: Record<string, unknown>;
}

/**
 * Creates an `openai.llm.v1` provider outside a mesh. The key comes from `config.api_key`, else
 * `env.OPENAI_API_KEY` (the environment is only read when passed).
 * @example
 * const openai = createOpenAIProvider({ config: { api_key: key, organization: "org-123" } });
 * const reply = await openai.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
 */
export function createOpenAIProvider(options: CreateOpenAIProviderOptions = {}): OpenAIProvider {
  const { config = {}, ...context } = options;
  return createPresetProvider(OPENAI_PRESET, config, context);
}

/**
 * Finds a shipped preset (or OpenAI's own entry) by connector id or alias.
 * @example
 * findPreset("groq")?.baseUrl; // → "https://api.groq.com/openai/v1"
 */
export function findPreset(idOrAlias: string): OpenAICompatiblePreset | undefined {
  return [OPENAI_PRESET, ...OPENAI_COMPATIBLE_PRESETS].find((preset) => preset.id === idOrAlias || preset.aliases.includes(idOrAlias));
}
