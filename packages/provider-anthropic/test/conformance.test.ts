/**
 * The `@modelmesh/testing` provider conformance + fault suite, run against a real local server that speaks
 * the Anthropic wire format: the suite's OpenAI mock provider with the Anthropic translator
 * (`support/anthropic-mock.ts`) in front of it, so every injected fault reaches the connector as an
 * Anthropic response. Twice: with the catalogue plus `GET /v1/models` discovery, and with configured models.
 */
import { describeProviderConformance } from "@modelmesh/testing";
import { createAnthropicProvider } from "../src/index.js";
import { startAnthropicTranslator } from "./support/anthropic-mock.js";

const upstream = async (mockUrl: string) => {
  const translator = await startAnthropicTranslator(mockUrl);
  return { baseUrl: translator.url, close: () => translator.close() };
};

describeProviderConformance("anthropic.claude.v1 (discovered models)", {
  create: ({ baseUrl, apiKey }) => createAnthropicProvider({ base_url: baseUrl, api_key: apiKey, discover_models: true }),
  upstream,
});

describeProviderConformance("anthropic.claude.v1 (configured model)", {
  create: ({ baseUrl, apiKey, model }) =>
    createAnthropicProvider({ base_url: baseUrl, api_key: apiKey, models: [{ id: model, context_window: 200_000 }] }),
  upstream,
});
