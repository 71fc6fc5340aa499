import { CHAT_COMPLETION, PLAIN_CHAT_FEATURES, WEB_SEARCH } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Perplexity Sonar: chat completions grounded in a live web search (citations arrive in extra response
 * fields, which pass through). Its API has NO version prefix: `https://api.perplexity.ai/chat/completions`.
 * No tool calling, so `parallel_tool_calls` is never sent; usage arrives on the stream's chunks without
 * `stream_options`, which is therefore not sent either. Each request also pays a search fee (`perRequest`,
 * low search-context tier).
 */
export const perplexityPreset: OpenAICompatiblePreset = {
  id: "perplexity.search.v1",
  aliases: ["perplexity"],
  name: "Perplexity",
  baseUrl: "https://api.perplexity.ai",
  envVar: "PERPLEXITY_API_KEY",
  docs: "https://docs.perplexity.ai/api-reference/chat-completions-post",
  quirks: { supportsStreamUsage: false, supportsParallelToolCalls: false },
  models: [
    {
      id: "sonar",
      name: "Sonar",
      capabilities: [CHAT_COMPLETION, WEB_SEARCH],
      contextWindow: 127_072,
      pricing: { inputPerMillion: 1, outputPerMillion: 1, perRequest: 0.005 },
      features: { ...PLAIN_CHAT_FEATURES, structuredOutput: true },
    },
    {
      id: "sonar-pro",
      name: "Sonar Pro",
      capabilities: [CHAT_COMPLETION, WEB_SEARCH],
      contextWindow: 200_000,
      maxOutputTokens: 8_000,
      pricing: { inputPerMillion: 3, outputPerMillion: 15, perRequest: 0.006 },
      features: { ...PLAIN_CHAT_FEATURES, structuredOutput: true },
    },
    {
      id: "sonar-reasoning-pro",
      name: "Sonar Reasoning Pro",
      capabilities: [CHAT_COMPLETION, WEB_SEARCH],
      contextWindow: 128_000,
      pricing: { inputPerMillion: 2, outputPerMillion: 8, perRequest: 0.006 },
      features: { ...PLAIN_CHAT_FEATURES, structuredOutput: true },
    },
  ],
};
