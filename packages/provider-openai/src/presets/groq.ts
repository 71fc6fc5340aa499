import { CHAT_COMPLETION, SPEECH_TO_TEXT, TEXT_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Groq (LPU inference). Its OpenAI-compatible API lives under `/openai/v1`. Groq rejects `logprobs`,
 * `logit_bias`, `top_logprobs` and `n > 1` with a 400; those are left to fail loudly rather than being
 * dropped, because silently dropping them would change the answer's meaning. Older Groq streams carry their
 * usage in `x_groq.usage` of the last chunk instead of `usage`; it is lifted into `usage`.
 */
export const groqPreset: OpenAICompatiblePreset = {
  id: "groq.api.v1",
  aliases: ["groq"],
  name: "Groq",
  baseUrl: "https://api.groq.com/openai/v1",
  envVar: "GROQ_API_KEY",
  docs: "https://console.groq.com/docs/openai",
  quirks: { vendorUsageField: "x_groq" },
  models: [
    {
      id: "llama-3.3-70b-versatile",
      name: "Llama 3.3 70B Versatile",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      maxOutputTokens: 32_768,
      pricing: { inputPerMillion: 0.59, outputPerMillion: 0.79 },
      features: { ...TEXT_CHAT_FEATURES, structuredOutput: false },
    },
    {
      id: "llama-3.1-8b-instant",
      name: "Llama 3.1 8B Instant",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      maxOutputTokens: 131_072,
      pricing: { inputPerMillion: 0.05, outputPerMillion: 0.08 },
      features: { ...TEXT_CHAT_FEATURES, structuredOutput: false },
    },
    {
      id: "openai/gpt-oss-120b",
      name: "GPT-OSS 120B",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      maxOutputTokens: 65_536,
      pricing: { inputPerMillion: 0.15, outputPerMillion: 0.75 },
      features: { ...TEXT_CHAT_FEATURES },
    },
    {
      // Billed per audio hour ($0.111), which has no per-token equivalent: no pricing declared.
      id: "whisper-large-v3",
      name: "Whisper Large v3",
      capabilities: [SPEECH_TO_TEXT],
      delivery: { synchronous: true, streaming: false },
    },
  ],
};
