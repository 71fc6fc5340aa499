import type { ModelFeatures } from "@modelmesh/core";

/**
 * Capability paths and feature sets shared by the OpenAI catalogue and the vendor presets. Plain constants:
 * the catalogue tables spread them into literal objects, so nothing runs at import time.
 */

/** `generation.text-generation.chat-completion`: `POST /chat/completions`. */
export const CHAT_COMPLETION = "generation.text-generation.chat-completion";
/** `representation.embeddings.text-embeddings`: `POST /embeddings`. */
export const TEXT_EMBEDDINGS = "representation.embeddings.text-embeddings";
/** `generation.image-generation.text-to-image`: `POST /images/generations`. */
export const TEXT_TO_IMAGE = "generation.image-generation.text-to-image";
/** `generation.audio-generation.text-to-speech`: `POST /audio/speech`. */
export const TEXT_TO_SPEECH = "generation.audio-generation.text-to-speech";
/** `understanding.audio-understanding.speech-to-text`: `POST /audio/transcriptions`. */
export const SPEECH_TO_TEXT = "understanding.audio-understanding.speech-to-text";
/** `retrieval.search.web-search`: chat models that ground their answer in a live web search (Perplexity). */
export const WEB_SEARCH = "retrieval.search.web-search";

/**
 * A chat model with tools (parallel calls too), image input, JSON mode and `json_schema` structured output.
 * No assistant prefill: OpenAI-style APIs answer a trailing assistant message with a new turn instead of
 * continuing it, so a resumed stream would repeat itself.
 */
export const FULL_CHAT_FEATURES: Readonly<ModelFeatures> = {
  toolCalling: true,
  parallelToolCalls: true,
  vision: true,
  jsonMode: true,
  structuredOutput: true,
  systemPrompt: true,
  assistantPrefill: false,
};

/** {@link FULL_CHAT_FEATURES} without image input (text-only open-weight models). */
export const TEXT_CHAT_FEATURES: Readonly<ModelFeatures> = { ...FULL_CHAT_FEATURES, vision: false };

/** A chat model without tools or structured output (small local models, search models). */
export const PLAIN_CHAT_FEATURES: Readonly<ModelFeatures> = {
  toolCalling: false,
  parallelToolCalls: false,
  vision: false,
  jsonMode: false,
  structuredOutput: false,
  systemPrompt: true,
  assistantPrefill: false,
};
