import { CHAT_COMPLETION, TEXT_CHAT_FEATURES, TEXT_EMBEDDINGS } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/** Together AI: open-weight models behind a fully OpenAI-compatible `/v1` API (chat, embeddings, images). */
export const togetherPreset: OpenAICompatiblePreset = {
  id: "together.api.v1",
  aliases: ["together"],
  name: "Together AI",
  baseUrl: "https://api.together.xyz/v1",
  envVar: "TOGETHER_API_KEY",
  docs: "https://docs.together.ai/docs/openai-api-compatibility",
  models: [
    {
      id: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
      name: "Llama 3.3 70B Instruct Turbo",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.88, outputPerMillion: 0.88 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "Qwen/Qwen2.5-72B-Instruct-Turbo",
      name: "Qwen 2.5 72B Instruct Turbo",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 32_768,
      pricing: { inputPerMillion: 1.2, outputPerMillion: 1.2 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      id: "BAAI/bge-base-en-v1.5",
      name: "BGE Base EN v1.5",
      capabilities: [TEXT_EMBEDDINGS],
      contextWindow: 512,
      pricing: { inputPerMillion: 0.008, outputPerMillion: 0 },
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
