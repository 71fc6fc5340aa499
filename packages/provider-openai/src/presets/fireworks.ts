import { CHAT_COMPLETION, TEXT_CHAT_FEATURES, TEXT_EMBEDDINGS } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/** Fireworks AI: OpenAI-compatible inference under `/inference/v1`; model ids are account paths. */
export const fireworksPreset: OpenAICompatiblePreset = {
  id: "fireworks.api.v1",
  aliases: ["fireworks"],
  name: "Fireworks AI",
  baseUrl: "https://api.fireworks.ai/inference/v1",
  envVar: "FIREWORKS_API_KEY",
  docs: "https://docs.fireworks.ai/tools-sdks/openai-compatibility",
  models: [
    {
      id: "accounts/fireworks/models/llama-v3p3-70b-instruct",
      name: "Llama 3.3 70B Instruct",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.9, outputPerMillion: 0.9 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "accounts/fireworks/models/deepseek-v3",
      name: "DeepSeek V3",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.9, outputPerMillion: 0.9 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "nomic-ai/nomic-embed-text-v1.5",
      name: "Nomic Embed Text v1.5",
      capabilities: [TEXT_EMBEDDINGS],
      contextWindow: 8_192,
      pricing: { inputPerMillion: 0.008, outputPerMillion: 0 },
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
