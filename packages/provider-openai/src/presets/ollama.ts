import { CHAT_COMPLETION, TEXT_CHAT_FEATURES, TEXT_EMBEDDINGS } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Ollama on the local machine. No API key; `OLLAMA_HOST` (`127.0.0.1:11434`, `http://gpu-box:11434`) replaces
 * the base URL, getting `/v1` appended. The models listed are common pulls, free of charge; which ones are
 * really there is whatever `ollama pull` fetched, so call `discoverModels()` (GET /v1/models) to replace them.
 */
export const ollamaPreset: OpenAICompatiblePreset = {
  id: "ollama.local.v1",
  aliases: ["ollama"],
  name: "Ollama",
  baseUrl: "http://localhost:11434/v1",
  envVar: "OLLAMA_HOST",
  local: true,
  docs: "https://github.com/ollama/ollama/blob/main/docs/openai.md",
  models: [
    {
      id: "llama3.2",
      name: "Llama 3.2 3B",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false },
    },
    {
      id: "qwen2.5",
      name: "Qwen 2.5 7B",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 32_768,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false },
    },
    {
      id: "nomic-embed-text",
      name: "Nomic Embed Text",
      capabilities: [TEXT_EMBEDDINGS],
      contextWindow: 8_192,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
