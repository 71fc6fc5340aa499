import type { ModelInfo } from "@modelmesh/core";
import { CHAT_COMPLETION, SPEECH_TO_TEXT, TEXT_EMBEDDINGS, TEXT_TO_IMAGE, TEXT_TO_SPEECH } from "./openai-capabilities.js";

/**
 * Pure response mapping beyond chat: the model list. Chat completions, chunks, embeddings, images and audio
 * come back in OpenAI's own shapes and pass through the CDK's parsers unchanged.
 *
 * `GET /models` gives ids only (OpenAI) or ids plus sizes (OpenRouter, Groq, Together): discovered models are
 * merged with the catalogue, which knows capabilities, features and prices. A model the catalogue does not
 * know gets capabilities inferred from its id; an id that names no endpoint this connector serves
 * (moderation, realtime, legacy completions, video) gets none, so the router never picks it.
 */

/** Ids that name models this connector cannot call (no chat/embeddings/images/audio endpoint). */
const NOT_SERVED = /moderation|realtime|^babbage|^davinci|^sora|computer-use|^codex-/i;

/**
 * Capability paths inferred from a model id: embeddings, image generation, text to speech, speech to text,
 * else chat completion.
 * @example
 * inferCapabilities("gpt-4o-mini-tts"); // → ["generation.audio-generation.text-to-speech"]
 */
export function inferCapabilities(modelId: string): string[] {
  const id = modelId.toLowerCase();
  if (NOT_SERVED.test(id)) return [];
  if (id.includes("embed")) return [TEXT_EMBEDDINGS];
  if (/dall-e|(^|[-/])gpt-image|image-gen|stable-diffusion|flux/.test(id)) return [TEXT_TO_IMAGE];
  if (/(^|[-/])tts/.test(id)) return [TEXT_TO_SPEECH];
  if (/whisper|transcribe/.test(id)) return [SPEECH_TO_TEXT];
  return [CHAT_COMPLETION];
}

/**
 * Merges discovered models with a catalogue: a known id keeps its catalogue entry (sizes filled in from the
 * listing where the catalogue has none); an unknown id keeps the listed sizes and gets inferred capabilities.
 * Order follows the listing.
 */
export function mergeDiscoveredModels(discovered: readonly ModelInfo[], catalogue: readonly ModelInfo[]): ModelInfo[] {
  const known = new Map(catalogue.map((model) => [model.id, model]));
  return discovered.map((listed) => {
    const entry = known.get(listed.id);
    if (!entry) return { ...listed, capabilities: inferCapabilities(listed.id) };
    const merged: ModelInfo = { ...entry };
    if (merged.contextWindow === undefined && listed.contextWindow !== undefined) merged.contextWindow = listed.contextWindow;
    if (merged.maxOutputTokens === undefined && listed.maxOutputTokens !== undefined) merged.maxOutputTokens = listed.maxOutputTokens;
    return merged;
  });
}

/** The catalogue followed by discovered models it did not contain (catalogue entries are never dropped). */
export function unionModels(catalogue: readonly ModelInfo[], discovered: readonly ModelInfo[]): ModelInfo[] {
  const ids = new Set(catalogue.map((model) => model.id));
  return [...catalogue, ...discovered.filter((model) => !ids.has(model.id))];
}

/** A deep copy of a model entry, so shared default tables are never mutated through a provider. */
export function cloneModel(model: ModelInfo): ModelInfo {
  const copy: ModelInfo = { ...model, capabilities: [...model.capabilities] };
  if (model.features) copy.features = { ...model.features };
  if (model.pricing) copy.pricing = { ...model.pricing };
  if (model.delivery) copy.delivery = { ...model.delivery };
  return copy;
}
