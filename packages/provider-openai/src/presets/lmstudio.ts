import { CHAT_COMPLETION, TEXT_CHAT_FEATURES, TEXT_EMBEDDINGS } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * LM Studio's local server (port 1234). No API key; `LMSTUDIO_HOST` replaces the base URL. The models listed
 * are examples of what LM Studio offers for download; `discoverModels()` lists the loaded ones.
 */
export const lmstudioPreset: OpenAICompatiblePreset = {
  id: "lmstudio.local.v1",
  aliases: ["lmstudio", "lm-studio"],
  name: "LM Studio",
  baseUrl: "http://localhost:1234/v1",
  envVar: "LMSTUDIO_HOST",
  local: true,
  docs: "https://lmstudio.ai/docs/app/api/endpoints/openai",
  models: [
    {
      id: "qwen2.5-7b-instruct",
      name: "Qwen 2.5 7B Instruct",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 32_768,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false },
    },
    {
      id: "text-embedding-nomic-embed-text-v1.5",
      name: "Nomic Embed Text v1.5",
      capabilities: [TEXT_EMBEDDINGS],
      contextWindow: 2_048,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
