import { systemClock, type ConnectorContext, type ProviderConnectorV1 } from "@modelmesh/core";
import { createFetchTransport, type Transport } from "@modelmesh/cdk";
import { describeProviderConformance } from "@modelmesh/testing";
import {
  azureOpenAIConnector,
  connectors,
  OPENAI_COMPATIBLE_PRESETS,
  OPENAI_PRESET,
  presetConnector,
  type OpenAICompatibleConnector,
  type OpenAICompatiblePreset,
} from "../src/index.js";
import { fakePreset } from "./support/fake-preset.js";

/**
 * The provider conformance + fault suite of `@modelmesh/testing`, table-driven over `openai.llm.v1`, every
 * shipped preset, one fake preset (proving a new vendor needs nothing but its entry) and `azure.openai.v1`.
 * Each connector is built through its descriptor's `create`, exactly as a mesh builds it from YAML.
 */

const TEXT_EMBEDDINGS = "representation.embeddings.text-embeddings";

function context(instanceId: string): ConnectorContext {
  return { instanceId, clock: systemClock, env: {}, runtime: "node" };
}

const shipped = (id: string) => connectors.find((descriptor) => descriptor.id === id) as OpenAICompatibleConnector;

const table: Array<[OpenAICompatiblePreset, OpenAICompatibleConnector]> = [
  [OPENAI_PRESET, shipped(OPENAI_PRESET.id)],
  ...OPENAI_COMPATIBLE_PRESETS.map((preset) => [preset, shipped(preset.id)] as [OpenAICompatiblePreset, OpenAICompatibleConnector]),
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

/**
 * Azure OpenAI against the same mock: a transport in front of the CDK's fetch transport turns Azure's
 * deployment URL (`/openai/deployments/{d}/…?api-version=…`) into the mock's `/v1/…` and the `api-key` header
 * into the bearer token the mock checks; anything else is refused, so the suite also proves the addressing.
 */
function azureToMock(origin: string): Transport {
  const inner = createFetchTransport();
  return (request) => {
    const url = new URL(request.url);
    const match = /^\/openai\/deployments\/conformance-deployment(\/.+)$/.exec(url.pathname);
    if (!match || url.searchParams.get("api-version") !== "2024-10-21") throw new Error(`not an Azure deployment URL: ${url.pathname}${url.search}`);
    const { "api-key": key, ...headers } = request.headers;
    request.url = `${origin}/v1${match[1]}`;
    request.headers = key !== undefined ? { ...headers, authorization: `Bearer ${key}` } : headers;
    return inner(request);
  };
}

describeProviderConformance(azureOpenAIConnector.id, {
  create: async ({ baseUrl, apiKey, model }): Promise<ProviderConnectorV1> => {
    const origin = new URL(baseUrl).origin;
    return azureOpenAIConnector.create(
      {
        endpoint: origin,
        api_key: apiKey,
        deployments: { [model]: "conformance-deployment" },
        models: [{ id: model, capabilities: ["generation.text-generation.chat-completion", TEXT_EMBEDDINGS], context_window: 32_768 }],
      },
      { ...context("azure"), transport: azureToMock(origin) },
    );
  },
  capabilities: { embeddings: true },
});
