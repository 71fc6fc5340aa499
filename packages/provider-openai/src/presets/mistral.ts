import { CHAT_COMPLETION, FULL_CHAT_FEATURES, TEXT_CHAT_FEATURES, TEXT_EMBEDDINGS } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Mistral AI. Its API validates request bodies strictly and rejects `stream_options`; it reports usage in
 * the last stream chunk without being asked, so stream usage still arrives. A trailing assistant message is
 * only accepted with Mistral's own `prefix: true` flag, so no plain assistant prefill.
 */
export const mistralPreset: OpenAICompatiblePreset = {
  id: "mistral.api.v1",
  aliases: ["mistral"],
  name: "Mistral AI",
  baseUrl: "https://api.mistral.ai/v1",
  envVar: "MISTRAL_API_KEY",
  docs: "https://docs.mistral.ai/api/",
  quirks: { supportsStreamUsage: false },
  models: [
    {
      id: "mistral-large-latest",
      name: "Mistral Large",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 2, outputPerMillion: 6 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "mistral-small-latest",
      name: "Mistral Small",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.1, outputPerMillion: 0.3 },
      features: { ...FULL_CHAT_FEATURES },
    },
    {
      id: "mistral-embed",
      name: "Mistral Embed",
      capabilities: [TEXT_EMBEDDINGS],
      contextWindow: 8_192,
      pricing: { inputPerMillion: 0.1, outputPerMillion: 0 },
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
