import { CHAT_COMPLETION, TEXT_CHAT_FEATURES, TEXT_EMBEDDINGS } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * A LocalAI server (port 8080, OpenAI-compatible under `/v1`: chat, embeddings, images, audio). `LOCALAI_HOST`
 * replaces the base URL. No key unless the server was started with `API_KEY` / `--api-keys`: then set
 * `api_key`, or `LOCALAI_API_KEY` in the environment, sent as `Authorization: Bearer`. The two models are the
 * OpenAI-style names LocalAI's All-in-One images give their default chat and embedding models; a server
 * serves whatever it was configured with, so `discoverModels()` (GET /v1/models) lists the real ones.
 */
export const localaiPreset: OpenAICompatiblePreset = {
  id: "localai.local.v1",
  aliases: ["localai"],
  name: "LocalAI",
  baseUrl: "http://127.0.0.1:8080/v1",
  envVar: "LOCALAI_HOST",
  keyEnvVar: "LOCALAI_API_KEY",
  local: true,
  docs: "https://localai.io/features/openai-functions/",
  models: [
    {
      id: "gpt-4",
      name: "LocalAI AIO chat model",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 8_192,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false, structuredOutput: false },
    },
    {
      id: "text-embedding-ada-002",
      name: "LocalAI AIO embedding model",
      capabilities: [TEXT_EMBEDDINGS],
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
