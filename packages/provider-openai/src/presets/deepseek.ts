import { CHAT_COMPLETION, PLAIN_CHAT_FEATURES, TEXT_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * DeepSeek. `https://api.deepseek.com` and `https://api.deepseek.com/v1` are the same API (the `v1` is for
 * OpenAI-SDK compatibility, not a model version). `response_format` accepts `json_object` but not
 * `json_schema`, hence `structuredOutput: false`. A trailing assistant message is only continued on the beta
 * endpoint with a non-standard `prefix: true`, so no assistant prefill here.
 */
export const deepseekPreset: OpenAICompatiblePreset = {
  id: "deepseek.api.v1",
  aliases: ["deepseek"],
  name: "DeepSeek",
  baseUrl: "https://api.deepseek.com/v1",
  envVar: "DEEPSEEK_API_KEY",
  docs: "https://api-docs.deepseek.com/",
  models: [
    {
      id: "deepseek-chat",
      name: "DeepSeek Chat",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 128_000,
      maxOutputTokens: 8_192,
      pricing: { inputPerMillion: 0.28, outputPerMillion: 0.42 },
      features: { ...TEXT_CHAT_FEATURES, structuredOutput: false },
    },
    {
      id: "deepseek-reasoner",
      name: "DeepSeek Reasoner",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 128_000,
      maxOutputTokens: 65_536,
      pricing: { inputPerMillion: 0.28, outputPerMillion: 0.42 },
      features: { ...PLAIN_CHAT_FEATURES, jsonMode: true, reasoning: true },
    },
  ],
};
