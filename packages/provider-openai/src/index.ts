/**
 * @modelmesh/provider-openai — the `openai.llm.v1` provider connector and OpenAI-compatible vendor presets
 * (Groq, Together, DeepSeek, Mistral, xAI, OpenRouter, Fireworks, Cerebras, Perplexity, Hugging Face, Ollama,
 * vLLM, LM Studio, LocalAI) as data, and `azure.openai.v1` (Azure OpenAI deployments). Platform-neutral: no
 * Node built-ins; the transport is injected (default: fetch).
 */

declare const __PACKAGE_VERSION__: string;

/** This package's version (from package.json at build time). */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connector descriptors (register them; nothing registers at import)
export {
  connector,
  connectors,
  createOpenAIProvider,
  findPreset,
  OPENAI_PRESET,
  type CreateOpenAIProviderOptions,
  type OpenAIFamilyConnector,
} from "./openai-connector.js";

// Provider class and its config
export { OpenAIProvider, type OpenAIProviderConfig } from "./openai-provider.js";

// Typed-config factory (zod-free: the browser builder's import)
export {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProviderConfig,
  type OpenAICompatibleProviderOptions,
} from "./openai-compatible-factory.js";
export { openaiConnectorConfigSchema, hostToBaseUrl, type OpenAIConnectorConfig } from "./presets/resolve-preset-config.js";

// Default OpenAI catalogue
export { OPENAI_MODELS } from "./openai-models.js";

// OpenAI-compatible presets (data) and the generic factory that turns one into a connector
export { OPENAI_COMPATIBLE_PRESETS } from "./presets/index.js";
export type { OpenAICompatiblePreset, OpenAICompatibleQuirks } from "./presets/openai-compatible-preset.js";
export { createPresetProvider, presetConnector, type OpenAICompatibleConnector, type PresetProviderContext } from "./presets/preset-connector.js";

// Azure OpenAI: its own connector (Azure addressing and auth over the OpenAI mapping)
export { azureOpenAIConnector, createAzureOpenAIProvider, type AzureOpenAIConnector, type CreateAzureOpenAIProviderOptions } from "./azure/azure-connector.js";
export { AzureOpenAIProvider, type AzureOpenAIProviderConfig } from "./azure/azure-provider.js";
export { azureOpenAIConfigSchema, type AzureOpenAIConfigBlock } from "./azure/azure-config.js";
export { AZURE_OPENAI_DEFAULT_API_VERSION, AZURE_OPENAI_V1 } from "./azure/azure-addressing.js";
export type { AzureADTokenProvider } from "./azure/azure-auth.js";
