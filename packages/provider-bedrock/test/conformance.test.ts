/**
 * The `@modelmesh/testing` provider conformance + fault suite, run against a real local server that speaks
 * Converse / ConverseStream: the suite's OpenAI mock provider with the Bedrock translator
 * (`support/bedrock-mock.ts`) in front of it, so every injected fault reaches the connector as a Bedrock
 * response (event-stream frames included). Twice: signed with SigV4 (static credentials) and with a Bedrock
 * API key; a third run serves a Titan embedding model id, so `embed` (InvokeModel) is checked too. Bedrock
 * sends no `x-ratelimit-*` headers, so that check is declared unsupported.
 */
import { describeProviderConformance } from "@modelmesh/testing";
import { createBedrockProvider } from "../src/index.js";
import { startBedrockTranslator } from "./support/bedrock-mock.js";

let upstreamKey = "";
const upstream = async (mockUrl: string) => {
  const translator = await startBedrockTranslator(mockUrl, () => upstreamKey);
  return { baseUrl: translator.url, close: () => translator.close() };
};

describeProviderConformance("aws.bedrock.v1 (SigV4)", {
  capabilities: { rateLimitHeaders: false },
  create: ({ baseUrl, apiKey, model }) => {
    upstreamKey = apiKey;
    return createBedrockProvider(
      { region: "us-east-1", base_url: baseUrl, access_key_id: "AKIDEXAMPLE", secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", models: [{ id: model }] },
      { env: {} },
    );
  },
  upstream,
});

describeProviderConformance("aws.bedrock.v1 (API key)", {
  capabilities: { rateLimitHeaders: false },
  create: ({ baseUrl, apiKey, model }) => {
    upstreamKey = apiKey;
    return createBedrockProvider({ region: "us-east-1", base_url: baseUrl, api_key: apiKey, models: [{ id: model }] }, { env: {} });
  },
  upstream,
});

describeProviderConformance("aws.bedrock.v1 (Titan embeddings model, embed through InvokeModel)", {
  model: "amazon.titan-embed-text-v2:0",
  capabilities: { rateLimitHeaders: false, embeddings: true },
  create: ({ baseUrl, apiKey, model }) => {
    upstreamKey = apiKey;
    return createBedrockProvider({ region: "us-east-1", base_url: baseUrl, api_key: apiKey, models: [{ id: model }] }, { env: {} });
  },
  upstream,
});
