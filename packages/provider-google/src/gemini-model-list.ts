import type { ModelInfo } from "@modelmesh/core";
import { CHAT_COMPLETION, GEMINI_CHAT_CAPABILITIES, GEMINI_CHAT_FEATURES, TEXT_EMBEDDINGS, cloneModel } from "./gemini-models.js";
import type { GeminiModel } from "./gemini-wire.js";

/**
 * `GET /v1beta/models` → `ModelInfo`s, merged with the catalogue. Pure.
 *
 * Google lists every model with `name: "models/<id>"`, its token limits and the methods it supports. A model
 * is kept when it supports `generateContent` (chat) or `embedContent` (embeddings); image, video and
 * answer-only models are skipped. A listed model that is in the catalogue keeps the catalogue's
 * capabilities, features and prices and takes the listed limits (the API is the authority on those); an
 * unknown one gets capabilities from its methods, the Gemini chat features when its id starts with
 * `gemini-` (other families, e.g. Gemma, get no tools / JSON / image claims) and no prices.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The models of one list page, and the token of the next page (if any). */
export function readModelPage(json: unknown): { models: GeminiModel[]; nextPageToken?: string } | undefined {
  if (!isRecord(json)) return undefined;
  if (json.models !== undefined && !Array.isArray(json.models)) return undefined;
  const models = ((json.models as unknown[] | undefined) ?? []).filter((m): m is GeminiModel => isRecord(m) && typeof m.name === "string");
  return { models, ...(typeof json.nextPageToken === "string" && json.nextPageToken !== "" ? { nextPageToken: json.nextPageToken } : {}) };
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** One listed model → ModelInfo, using the catalogue entry when there is one; undefined when not servable. */
export function convertGeminiModel(model: GeminiModel, catalogue: readonly ModelInfo[]): ModelInfo | undefined {
  const id = model.name.replace(/^models\//, "");
  const methods = model.supportedGenerationMethods ?? [];
  const chat = methods.includes("generateContent");
  const embeddings = methods.includes("embedContent") || methods.includes("batchEmbedContents");
  if (!chat && !embeddings) return undefined;
  const known = catalogue.find((entry) => entry.id === id);
  const info: ModelInfo = known
    ? cloneModel(known)
    : {
        id,
        capabilities: chat ? (id.startsWith("gemini-") ? [...GEMINI_CHAT_CAPABILITIES] : [CHAT_COMPLETION]) : [TEXT_EMBEDDINGS],
        ...(chat ? { features: id.startsWith("gemini-") ? { ...GEMINI_CHAT_FEATURES } : { assistantPrefill: false } } : {}),
        delivery: { synchronous: true, streaming: chat, batch: false },
      };
  if (typeof model.displayName === "string" && model.displayName !== "") info.name = model.displayName;
  const input = positive(model.inputTokenLimit);
  const output = positive(model.outputTokenLimit);
  if (input !== undefined) info.contextWindow = input;
  if (output !== undefined && chat) info.maxOutputTokens = output;
  return info;
}

/** Listed models → ModelInfos (servable ones only, first occurrence of each id). */
export function convertGeminiModels(models: readonly GeminiModel[], catalogue: readonly ModelInfo[]): ModelInfo[] {
  const out = new Map<string, ModelInfo>();
  for (const model of models) {
    const info = convertGeminiModel(model, catalogue);
    if (info && !out.has(info.id)) out.set(info.id, info);
  }
  return [...out.values()];
}

/** The catalogue with `discovered` models added or updated (catalogue order first, new ids appended). */
export function mergeModels(catalogue: readonly ModelInfo[], discovered: readonly ModelInfo[]): ModelInfo[] {
  const byId = new Map(discovered.map((model) => [model.id, model]));
  const merged = catalogue.map((model) => cloneModel(byId.get(model.id) ?? model));
  for (const model of discovered) if (!catalogue.some((entry) => entry.id === model.id)) merged.push(cloneModel(model));
  return merged;
}
