import { systemClock, type ConnectorContext, type ProviderConnectorV1 } from "@modelmesh/core";
import { describeProviderConformance } from "@modelmesh/testing";
import { connectors, OPENAI_COMPATIBLE_PRESETS, OPENAI_PRESET, presetConnector, type OpenAICompatiblePreset } from "../src/index.js";
import { fakePreset } from "./support/fake-preset.js";

/**
 * The provider conformance + fault suite of `@modelmesh/testing`, table-driven over `openai.llm.v1`, every
 * shipped preset and one fake preset (proving a new vendor needs nothing but its entry). Each connector is
 * built through its descriptor's `create`, exactly as a mesh builds it from YAML.
 */

const TEXT_EMBEDDINGS = "representation.embeddings.text-embeddings";

function context(instanceId: string): ConnectorContext {
  return { instanceId, clock: systemClock, env: {}, runtime: "node" };
}

const table: Array<[OpenAICompatiblePreset, ReturnType<typeof presetConnector>]> = [
  [OPENAI_PRESET, connectors[0]!],
  ...OPENAI_COMPATIBLE_PRESETS.map((preset) => [preset, connectors.find((descriptor) => descriptor.id === preset.id)!] as [OpenAICompatiblePreset, ReturnType<typeof presetConnector>]),
  [fakePreset, presetConnector(fakePreset)],
];

for (const [preset, descriptor] of table) {
  describeProviderConformance(descriptor.id, {
    create: async ({ baseUrl, apiKey, model }): Promise<ProviderConnectorV1> =>
      descriptor.create(
        { base_url: baseUrl, api_key: apiKey, models: [{ id: model, capabilities: ["generation.text-generation.chat-completion", TEXT_EMBEDDINGS], context_window: 32_768 }] },
        context(preset.aliases[0] ?? "conformance"),
      ),
    capabilities: {
      streamUsage: preset.quirks?.supportsStreamUsage !== false,
      embeddings: preset.models.some((model) => model.capabilities.includes(TEXT_EMBEDDINGS)),
    },
  });
}
