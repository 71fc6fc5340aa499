/**
 * The shared provider conformance + fault suite of `@modelmesh/testing`, run over the Gemini wire format:
 * the suite injects its faults into its OpenAI-compatible mock, and `startOpenAIBridge` (test/support)
 * speaks Gemini to our connector in front of it, translating answers and errors the way Gemini reports them
 * and passing connection faults (reset, cut, stall, silence, malformed events) straight through.
 *
 * `embeddings: false`: the suite's embeddings check requires `usage.prompt_tokens` from the upstream, and the
 * Gemini Developer API reports no token usage for embeddings (the connector reports 0). `embed()` is covered
 * against the native Gemini mock in `faults.test.ts` and by the fidelity tests instead.
 */
import { describeProviderConformance } from "@modelmesh/testing";
import { GeminiProvider } from "../src/index.js";
import { startOpenAIBridge } from "./support/openai-bridge.js";

describeProviderConformance("google.gemini.v1", {
  create: ({ baseUrl, apiKey, model }) =>
    new GeminiProvider({
      id: "gemini-conformance",
      baseUrl,
      apiKey,
      models: [{ id: model, capabilities: ["generation.text-generation.chat-completion"], contextWindow: 1_048_576, pricing: { inputPerMillion: 0.3, outputPerMillion: 2.5 } }],
    }),
  capabilities: { embeddings: false },
  upstream: async (mockUrl) => startOpenAIBridge(mockUrl),
});
