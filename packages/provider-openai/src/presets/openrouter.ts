import { CHAT_COMPLETION, FULL_CHAT_FEATURES, TEXT_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * OpenRouter: a gateway to many vendors' models under `https://openrouter.ai/api/v1`, model ids prefixed by
 * the vendor (`openai/gpt-4o-mini`). Its optional attribution headers (`HTTP-Referer`, `X-Title`) go in the
 * config's `headers`. For Anthropic models OpenRouter forwards a trailing assistant message as a prefill,
 * hence `assistantPrefill: true` there. `GET /models` reports `context_length`, which discovery reads.
 */
export const openrouterPreset: OpenAICompatiblePreset = {
  id: "openrouter.gateway.v1",
  aliases: ["openrouter"],
  name: "OpenRouter",
  baseUrl: "https://openrouter.ai/api/v1",
  envVar: "OPENROUTER_API_KEY",
  docs: "https://openrouter.ai/docs/api-reference/overview",
  models: [
    {
      id: "openai/gpt-4o-mini",
      name: "GPT-4o mini (via OpenRouter)",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 128_000,
      maxOutputTokens: 16_384,
      pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
      features: { ...FULL_CHAT_FEATURES },
    },
    {
      id: "anthropic/claude-sonnet-4",
      name: "Claude Sonnet 4 (via OpenRouter)",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      pricing: { inputPerMillion: 3, outputPerMillion: 15 },
      features: { ...FULL_CHAT_FEATURES, jsonMode: false, structuredOutput: false, assistantPrefill: true },
    },
    {
      id: "meta-llama/llama-3.3-70b-instruct",
      name: "Llama 3.3 70B Instruct (via OpenRouter)",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0.13, outputPerMillion: 0.4 },
      features: { ...TEXT_CHAT_FEATURES, structuredOutput: false },
    },
  ],
};
