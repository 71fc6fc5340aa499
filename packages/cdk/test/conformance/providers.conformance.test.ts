/**
 * Every shipped provider class passes the provider conformance suite of `@modelmesh/testing` against its
 * real mock provider: the three base classes (fetch, browser, undici defaults), the specialized classes, and
 * the config-only descriptor path.
 */
import { systemClock, type ProviderConnectorV1 } from "@modelmesh/core";
import { describeProviderConformance, type ProviderCreateContext } from "@modelmesh/testing";
import { openAICompatibleConnector } from "../../src/connectors/provider-connectors.js";
import { BaseProvider, BrowserBaseProvider } from "../../src/providers/base-provider.js";
import { HttpApiProvider } from "../../src/providers/http-api-provider.js";
import { NodeBaseProvider } from "../../src/providers/node-base-provider.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible-provider.js";
import type { ProviderConfig } from "../../src/providers/provider-config.js";
import { QuickProvider } from "../../src/providers/quick-provider.js";
import { createUndiciTransport } from "../../src/transport/undici-transport.js";

const CHAT = "generation.text-generation.chat-completion";
const EMBED = "representation.embeddings.text-embeddings";

/** The config every class gets: the suite's URL, key and model, with prices so cost accounting is checked. */
function config({ baseUrl, apiKey, model }: ProviderCreateContext): ProviderConfig {
  return { id: "conformance", baseUrl, apiKey, models: [{ id: model, capabilities: [CHAT, EMBED], pricing: { inputPerMillion: 2.5, outputPerMillion: 10 } }] };
}

const withEmbeddings = { embeddings: true };

describeProviderConformance("BaseProvider (fetch transport)", { create: (context) => new BaseProvider(config(context)), capabilities: withEmbeddings });
describeProviderConformance("BrowserBaseProvider (fetch transport)", { create: (context) => new BrowserBaseProvider(config(context)), capabilities: withEmbeddings });
describeProviderConformance("NodeBaseProvider (undici transport)", { create: (context) => new NodeBaseProvider(config(context)), capabilities: withEmbeddings });
describeProviderConformance("BaseProvider with an injected undici transport", {
  create: (context) => new BaseProvider({ ...config(context), transport: createUndiciTransport() }),
  capabilities: withEmbeddings,
});
describeProviderConformance("OpenAICompatibleProvider", { create: (context) => new OpenAICompatibleProvider(config(context)), capabilities: withEmbeddings });
describeProviderConformance("HttpApiProvider (mapped to the mock's OpenAI shape)", {
  create: (context) =>
    new HttpApiProvider({
      ...config(context),
      completionEndpoint: "/chat/completions",
      requestMapping: { model: "model", messages: "messages", maxTokens: "max_tokens", tools: "tools", toolChoice: "tool_choice", stream: "stream", passThrough: ["stream_options", "temperature"] },
      responseMapping: { id: "id", model: "model", content: "choices.0.message.content", toolCalls: "choices.0.message.tool_calls", finishReason: "choices.0.finish_reason", promptTokens: "usage.prompt_tokens", completionTokens: "usage.completion_tokens", totalTokens: "usage.total_tokens" },
      streamMapping: { content: "choices.0.delta.content", toolCalls: "choices.0.delta.tool_calls", finishReason: "choices.0.finish_reason", promptTokens: "usage.prompt_tokens", completionTokens: "usage.completion_tokens" },
    }),
  capabilities: withEmbeddings,
});
describeProviderConformance("QuickProvider (models discovered with GET /models)", {
  create: ({ baseUrl, apiKey }) => new QuickProvider({ id: "quick", baseUrl, apiKey }),
  capabilities: withEmbeddings,
});
describeProviderConformance("modelmesh.openai-compatible.v1 (config-only descriptor)", {
  create: async ({ baseUrl, apiKey, model }) =>
    (await openAICompatibleConnector.create(
      { base_url: baseUrl, auth: { method: "api_key", api_key: apiKey }, models: [{ id: model, capabilities: [CHAT], context_window: 128_000 }] },
      { instanceId: "my-openai-proxy", clock: systemClock, env: {}, runtime: "node" },
    )) as ProviderConnectorV1,
});
