import type { ModelInfo } from "@modelmesh/core";
import {
  CHAT_COMPLETION,
  FULL_CHAT_FEATURES,
  SPEECH_TO_TEXT,
  TEXT_EMBEDDINGS,
  TEXT_TO_IMAGE,
  TEXT_TO_SPEECH,
} from "./openai-capabilities.js";

/**
 * The default OpenAI catalogue, used when a config lists no models. Context windows and output limits are
 * OpenAI's published model-card values; prices are USD per 1M tokens (standard tier, no cached-input or batch
 * discount). A config's `models` list replaces this table; `discoverModels()` adds what `GET /models` lists.
 */

const MEDIA_DELIVERY = { synchronous: true, streaming: false, batch: false } as const;
const CHAT_DELIVERY = { synchronous: true, streaming: true, batch: true } as const;

/** OpenAI's default models (see the module comment for units and sources). */
export const OPENAI_MODELS: readonly ModelInfo[] = [
  {
    id: "gpt-4o",
    name: "GPT-4o",
    capabilities: [CHAT_COMPLETION],
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: { inputPerMillion: 2.5, outputPerMillion: 10 },
    features: { ...FULL_CHAT_FEATURES },
    delivery: { ...CHAT_DELIVERY },
  },
  {
    id: "gpt-4o-mini",
    name: "GPT-4o mini",
    capabilities: [CHAT_COMPLETION],
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    features: { ...FULL_CHAT_FEATURES },
    delivery: { ...CHAT_DELIVERY },
  },
  {
    id: "gpt-4.1",
    name: "GPT-4.1",
    capabilities: [CHAT_COMPLETION],
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { inputPerMillion: 2, outputPerMillion: 8 },
    features: { ...FULL_CHAT_FEATURES },
    delivery: { ...CHAT_DELIVERY },
  },
  {
    id: "gpt-4.1-mini",
    name: "GPT-4.1 mini",
    capabilities: [CHAT_COMPLETION],
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { inputPerMillion: 0.4, outputPerMillion: 1.6 },
    features: { ...FULL_CHAT_FEATURES },
    delivery: { ...CHAT_DELIVERY },
  },
  {
    // A reasoning model: it takes `max_completion_tokens` (not `max_tokens`) and `reasoning_effort`, both passed
    // through untouched; its output limit includes the hidden reasoning tokens.
    id: "o4-mini",
    name: "o4-mini",
    capabilities: [CHAT_COMPLETION],
    contextWindow: 200_000,
    maxOutputTokens: 100_000,
    pricing: { inputPerMillion: 1.1, outputPerMillion: 4.4 },
    features: { ...FULL_CHAT_FEATURES, reasoning: true },
    delivery: { ...CHAT_DELIVERY },
  },
  {
    id: "text-embedding-3-small",
    name: "text-embedding-3-small",
    capabilities: [TEXT_EMBEDDINGS],
    contextWindow: 8_191,
    pricing: { inputPerMillion: 0.02, outputPerMillion: 0 },
    delivery: { ...MEDIA_DELIVERY },
  },
  {
    id: "text-embedding-3-large",
    name: "text-embedding-3-large",
    capabilities: [TEXT_EMBEDDINGS],
    contextWindow: 8_191,
    pricing: { inputPerMillion: 0.13, outputPerMillion: 0 },
    delivery: { ...MEDIA_DELIVERY },
  },
  {
    // Priced per token: $5 per 1M text-input tokens, $40 per 1M image-output tokens.
    id: "gpt-image-1",
    name: "GPT Image 1",
    capabilities: [TEXT_TO_IMAGE],
    pricing: { inputPerMillion: 5, outputPerMillion: 40 },
    delivery: { ...MEDIA_DELIVERY },
  },
  {
    // Priced per image: $0.04 for one standard 1024×1024 image.
    id: "dall-e-3",
    name: "DALL·E 3",
    capabilities: [TEXT_TO_IMAGE],
    pricing: { inputPerMillion: 0, outputPerMillion: 0, perRequest: 0.04 },
    delivery: { ...MEDIA_DELIVERY },
  },
  {
    // $15 per 1M input characters; speech calls report no token usage, so accounting counts requests only.
    id: "tts-1",
    name: "TTS-1",
    capabilities: [TEXT_TO_SPEECH],
    pricing: { inputPerMillion: 15, outputPerMillion: 0 },
    delivery: { ...MEDIA_DELIVERY },
  },
  {
    // $0.006 per audio minute: not expressible per token, so no pricing is declared.
    id: "whisper-1",
    name: "Whisper",
    capabilities: [SPEECH_TO_TEXT],
    delivery: { ...MEDIA_DELIVERY },
  },
];
