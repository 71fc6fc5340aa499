/**
 * The `@modelmesh/testing` provider conformance + fault suite, run against a real local server that speaks
 * Cohere's v2 wire format: the suite's OpenAI mock provider with the Cohere translator (`support/cohere-mock.ts`)
 * in front of it, so every injected fault reaches the connector as a Cohere response. Twice: with the catalogue
 * plus `GET /v1/models` discovery, and with a configured model. Embeddings are declared and checked.
 */
import { describeProviderConformance } from "@modelmesh/testing";
import { createCohereProvider } from "../src/index.js";
import { startCohereTranslator } from "./support/cohere-mock.js";

const upstream = async (mockUrl: string) => {
  const translator = await startCohereTranslator(mockUrl);
  return { baseUrl: translator.url, close: () => translator.close() };
};

describeProviderConformance("cohere.chat.v2 (discovered models)", {
  create: ({ baseUrl, apiKey }) => createCohereProvider({ base_url: baseUrl, api_key: apiKey, discover_models: true }),
  capabilities: { embeddings: true },
  upstream,
});

describeProviderConformance("cohere.chat.v2 (configured model)", {
  create: ({ baseUrl, apiKey, model }) => createCohereProvider({ base_url: baseUrl, api_key: apiKey, models: [{ id: model, context_window: 128_000 }] }),
  capabilities: { embeddings: true },
  upstream,
});
