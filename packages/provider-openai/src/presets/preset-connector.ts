import type { Clock, ConnectorContext, ConnectorDescriptor } from "@modelmesh/core";
import { defineConnector, type Transport } from "@modelmesh/cdk";
import { OpenAIProvider } from "../openai-provider.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";
import { openaiConnectorConfigSchema, resolvePresetConfig, type OpenAIConnectorConfig } from "./resolve-preset-config.js";

/**
 * The one generic factory behind `openai.llm.v1` and every OpenAI-compatible preset: a preset (data) in, a
 * connector descriptor out. Nothing vendor-specific lives here.
 */

/** The connector descriptor of `openai.llm.v1` or an OpenAI-compatible preset. */
export type OpenAICompatibleConnector = ConnectorDescriptor<OpenAIConnectorConfig, OpenAIProvider>;

/** The parts of a connector context a preset provider uses (all optional, for standalone use). */
export type PresetProviderContext = Partial<Pick<ConnectorContext, "instanceId" | "env" | "transport" | "clock">>;

/**
 * Builds an `OpenAIProvider` for `preset` from a snake_case config block (validated here) and a connector
 * context: the context's transport and clock are used, and its `env` supplies the preset's `envVar` (API key,
 * or the host of a local server) when the block has none.
 * @throws ConfigError naming the invalid paths, or the missing API key of a hosted vendor.
 * @example
 * const groq = createPresetProvider(groqPreset, { api_key: key });
 * const local = createPresetProvider(ollamaPreset, {}, { env: { OLLAMA_HOST: "gpu-box:11434" } });
 */
export function createPresetProvider(preset: OpenAICompatiblePreset, block: unknown = {}, context: PresetProviderContext = {}): OpenAIProvider {
  // Validated by the CDK's mapper inside, which reports every invalid path (values are never echoed).
  const config = resolvePresetConfig(preset, (block ?? {}) as OpenAIConnectorConfig, {
    ...(context.instanceId !== undefined ? { instanceId: context.instanceId } : {}),
    ...(context.env !== undefined ? { env: context.env } : {}),
  });
  const transport = typeof context.transport === "function" ? (context.transport as Transport) : undefined;
  return new OpenAIProvider({
    ...config,
    ...(transport ? { transport } : {}),
    ...(context.clock ? { clock: context.clock as Clock } : {}),
  });
}

/**
 * Turns one preset into a provider connector descriptor (`runtime: "universal"`, snake_case zod config
 * schema, aliases from the preset). Registering it is the caller's business: nothing happens at import.
 * @example
 * const registry = new ConnectorRegistry({ connectors: [presetConnector(myVendorPreset)] });
 */
export function presetConnector(preset: OpenAICompatiblePreset): OpenAICompatibleConnector {
  const kind = preset.local ? `local OpenAI-compatible server (${preset.envVar} sets the host)` : `OpenAI-compatible API (key: ${preset.envVar})`;
  return defineConnector({
    id: preset.id,
    type: "provider",
    specificationVersion: "v1",
    aliases: [...preset.aliases],
    runtime: "universal",
    description: `${preset.name}: ${kind}, ${preset.baseUrl}`,
    configSchema: openaiConnectorConfigSchema,
    create: (config: OpenAIConnectorConfig, context: ConnectorContext) => createPresetProvider(preset, config, context),
  });
}
