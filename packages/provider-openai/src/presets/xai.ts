import { CHAT_COMPLETION, FULL_CHAT_FEATURES, TEXT_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/** xAI Grok: OpenAI-compatible chat completions under `https://api.x.ai/v1`. */
export const xaiPreset: OpenAICompatiblePreset = {
  id: "xai.grok.v1",
  aliases: ["xai", "grok"],
  name: "xAI",
  baseUrl: "https://api.x.ai/v1",
  envVar: "XAI_API_KEY",
  docs: "https://docs.x.ai/docs/api-reference",
  models: [
    {
      id: "grok-4",
      name: "Grok 4",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 256_000,
      pricing: { inputPerMillion: 3, outputPerMillion: 15 },
      features: { ...FULL_CHAT_FEATURES },
    },
    {
      id: "grok-3-mini",
      name: "Grok 3 Mini",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.3, outputPerMillion: 0.5 },
      features: { ...TEXT_CHAT_FEATURES },
    },
  ],
};
