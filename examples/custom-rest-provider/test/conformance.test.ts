/**
 * The ≤40-line provider passes the provider conformance suite, fault list included: the suite's mock
 * provider sits behind the inference service, which passes every upstream fault through in its own format.
 */
import { describeProviderConformance } from "@modelmesh/testing";
import { InferenceProvider } from "../src/inference-provider.js";
import { startInferenceServer } from "../src/inference-server.js";

describeProviderConformance("InferenceProvider (custom REST, ≤ 40 lines)", {
  create: ({ baseUrl, apiKey, model }) =>
    new InferenceProvider({ id: "inference", baseUrl, apiKey, models: [{ id: model, capabilities: ["generation.text-generation.chat-completion"] }] }),
  capabilities: { tools: false },
  upstream: (mockUrl) => startInferenceServer({ upstream: mockUrl }),
});
