import type { ModelFeatures, ModelInfo } from "@modelmesh/core";

/**
 * The default Gemini catalogue, used when a config lists no models. Limits are the Gemini API's published
 * model-card values (`inputTokenLimit` / `outputTokenLimit` of `GET /v1beta/models`); prices are USD per 1M
 * tokens on the paid tier for prompts up to 200k tokens (text/image input; audio input and long prompts
 * cost more), from https://ai.google.dev/gemini-api/docs/pricing. A config's `models` list replaces this
 * table; `discoverModels()` adds what `GET /v1beta/models` lists.
 */

/** `generation.text-generation.chat-completion`: `models/{model}:generateContent`. */
export const CHAT_COMPLETION = "generation.text-generation.chat-completion";
/** `representation.embeddings.text-embeddings`: `:embedContent` / `:batchEmbedContents`. */
export const TEXT_EMBEDDINGS = "representation.embeddings.text-embeddings";

/** Capability paths every Gemini chat model serves (chat, JSON and schema output, tools, image input). */
export const GEMINI_CHAT_CAPABILITIES: readonly string[] = [
  CHAT_COMPLETION,
  "generation.structured-generation.json-generation",
  "generation.structured-generation.schema-constrained-output",
  "interaction.tool-calling",
  "understanding.vision-understanding.image-captioning",
];

/**
 * Features of the Gemini chat models: tools (several calls per turn), images (and audio) in, JSON mode and
 * schema-constrained output. No assistant prefill: Gemini does not reliably CONTINUE a final `model` turn —
 * it often starts a fresh answer, repeating what the prefill said — so a stream resumed on Gemini through a
 * prefill would duplicate output. The router never resumes onto a model with `assistantPrefill: false`.
 */
export const GEMINI_CHAT_FEATURES: Readonly<ModelFeatures> = {
  toolCalling: true,
  parallelToolCalls: true,
  vision: true,
  audioInput: true,
  jsonMode: true,
  structuredOutput: true,
  systemPrompt: true,
  assistantPrefill: false,
  logprobs: false,
};

const CHAT_DELIVERY = { synchronous: true, streaming: true, batch: false } as const;
const EMBEDDING_DELIVERY = { synchronous: true, streaming: false, batch: false } as const;
const ONE_MILLION = 1_048_576;

function chatModel(id: string, name: string, maxOutputTokens: number, inputPerMillion: number, outputPerMillion: number): ModelInfo {
  return {
    id,
    name,
    capabilities: [...GEMINI_CHAT_CAPABILITIES],
    contextWindow: ONE_MILLION,
    maxOutputTokens,
    pricing: { inputPerMillion, outputPerMillion },
    features: { ...GEMINI_CHAT_FEATURES },
    delivery: { ...CHAT_DELIVERY },
  };
}

/** Gemini's default models (see the module comment for units and sources). */
export const GEMINI_MODELS: readonly ModelInfo[] = /*#__PURE__*/ Object.freeze([
  /*#__PURE__*/ chatModel("gemini-2.5-pro", "Gemini 2.5 Pro", 65_536, 1.25, 10),
  /*#__PURE__*/ chatModel("gemini-2.5-flash", "Gemini 2.5 Flash", 65_536, 0.3, 2.5),
  /*#__PURE__*/ chatModel("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 65_536, 0.1, 0.4),
  /*#__PURE__*/ chatModel("gemini-2.0-flash", "Gemini 2.0 Flash", 8_192, 0.1, 0.4),
  {
    id: "text-embedding-004",
    name: "Text Embedding 004",
    capabilities: [TEXT_EMBEDDINGS],
    contextWindow: 2_048,
    // Free of charge on the Gemini API.
    pricing: { inputPerMillion: 0, outputPerMillion: 0 },
    delivery: { ...EMBEDDING_DELIVERY },
  },
  {
    id: "gemini-embedding-001",
    name: "Gemini Embedding 001",
    capabilities: [TEXT_EMBEDDINGS],
    contextWindow: 2_048,
    pricing: { inputPerMillion: 0.15, outputPerMillion: 0 },
    delivery: { ...EMBEDDING_DELIVERY },
  },
]);

/** A deep copy of a model (catalogue entries are shared constants). */
export function cloneModel(model: ModelInfo): ModelInfo {
  return {
    ...model,
    capabilities: [...model.capabilities],
    ...(model.pricing ? { pricing: { ...model.pricing } } : {}),
    ...(model.features ? { features: { ...model.features } } : {}),
    ...(model.delivery ? { delivery: { ...model.delivery } } : {}),
  };
}
