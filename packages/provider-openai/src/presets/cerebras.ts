import { CHAT_COMPLETION, TEXT_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Cerebras (wafer-scale inference). Cerebras answers 400 for `frequency_penalty`, `logit_bias` and
 * `presence_penalty` on some models; they are left to fail loudly rather than silently dropped.
 */
export const cerebrasPreset: OpenAICompatiblePreset = {
  id: "cerebras.api.v1",
  aliases: ["cerebras"],
  name: "Cerebras",
  baseUrl: "https://api.cerebras.ai/v1",
  envVar: "CEREBRAS_API_KEY",
  docs: "https://inference-docs.cerebras.ai/resources/openai",
  models: [
    {
      id: "llama3.1-8b",
      name: "Llama 3.1 8B",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 32_768,
      pricing: { inputPerMillion: 0.1, outputPerMillion: 0.1 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "llama-3.3-70b",
      name: "Llama 3.3 70B",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 65_536,
      pricing: { inputPerMillion: 0.85, outputPerMillion: 1.2 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "gpt-oss-120b",
      name: "GPT-OSS 120B",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.25, outputPerMillion: 0.69 },
      features: { ...TEXT_CHAT_FEATURES },
    },
  ],
};
