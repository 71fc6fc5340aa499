import { copyModelInfo, withCatalogue } from "@modelmesh/cdk";
import type { ModelFeatures, ModelInfo } from "@modelmesh/core";
import type { CohereModelEntry } from "./cohere-wire.js";

/**
 * The default model catalogue (used when a config lists no models) and the merge of `GET /v1/models` with it.
 * Prices are USD per 1M tokens as Cohere publishes them (https://cohere.com/pricing); context windows and
 * output limits from https://docs.cohere.com/docs/models. Embedding prices are for text input (embed-v4.0
 * bills image tokens at a different rate, not modelled here).
 */

/** Capabilities of Cohere's chat models (full capability-tree paths). */
export const COMMAND_CAPABILITIES: readonly string[] = Object.freeze([
  "generation.text-generation.chat-completion",
  "generation.text-generation.code-generation",
  "generation.structured-generation.json-generation",
  "generation.structured-generation.schema-constrained-output",
  "generation.structured-generation.function-call-generation",
  "interaction.tool-calling",
  "interaction.multi-turn-conversation",
]);

/** Capabilities a vision chat model adds. */
const VISION_CAPABILITIES: readonly string[] = ["understanding.vision-understanding.image-captioning", "understanding.vision-understanding.ocr"];

/** Capability of the embedding models. */
export const EMBED_CAPABILITIES: readonly string[] = Object.freeze(["representation.embeddings.text-embeddings"]);

/**
 * Features of Cohere chat models. No assistant prefill: Cohere does not document continuing a final assistant
 * message, so the mesh never resumes a cut stream on Cohere by prefilling.
 */
export const COMMAND_FEATURES: Readonly<ModelFeatures> = Object.freeze({
  toolCalling: true,
  parallelToolCalls: true,
  vision: false,
  audioInput: false,
  jsonMode: true,
  structuredOutput: true,
  systemPrompt: true,
  assistantPrefill: false,
  logprobs: false,
});

function command(id: string, name: string, contextWindow: number, maxOutputTokens: number, input: number, output: number, vision = false): ModelInfo {
  return Object.freeze({
    id,
    name,
    capabilities: [...COMMAND_CAPABILITIES, ...(vision ? VISION_CAPABILITIES : [])],
    contextWindow,
    maxOutputTokens,
    pricing: { inputPerMillion: input, outputPerMillion: output },
    features: { ...COMMAND_FEATURES, vision },
    delivery: { synchronous: true, streaming: true },
  });
}

function embed(id: string, name: string, contextWindow: number, input: number): ModelInfo {
  return Object.freeze({
    id,
    name,
    capabilities: [...EMBED_CAPABILITIES],
    contextWindow,
    pricing: { inputPerMillion: input, outputPerMillion: 0 },
    features: { toolCalling: false, systemPrompt: false },
    delivery: { synchronous: true, streaming: false },
  });
}

/** The default catalogue. */
export const COHERE_MODELS: readonly ModelInfo[] = /*#__PURE__*/ Object.freeze([
  command("command-a-03-2025", "Command A", 256_000, 8_000, 2.5, 10),
  command("command-a-vision-07-2025", "Command A Vision", 128_000, 8_000, 2.5, 10, true),
  command("command-r-plus-08-2024", "Command R+ (08-2024)", 128_000, 4_000, 2.5, 10),
  command("command-r-08-2024", "Command R (08-2024)", 128_000, 4_000, 0.15, 0.6),
  command("command-r7b-12-2024", "Command R7B", 128_000, 4_000, 0.0375, 0.15),
  embed("embed-v4.0", "Embed 4", 128_000, 0.12),
  embed("embed-english-v3.0", "Embed English 3", 512, 0.1),
  embed("embed-multilingual-v3.0", "Embed Multilingual 3", 512, 0.1),
]);

/** The catalogue entry of an id; undefined when unknown. */
export function findCatalogueModel(id: string, models: readonly ModelInfo[] = COHERE_MODELS): ModelInfo | undefined {
  return models.find((model) => model.id === id);
}

/**
 * Completes configured models with the catalogue: a configured entry keeps every value it sets and takes the
 * catalogue's for the rest. No configured models: the catalogue.
 */
export function withCatalogueDefaults(configured: readonly ModelInfo[] | undefined): ModelInfo[] {
  return withCatalogue(configured, COHERE_MODELS, (id) => findCatalogueModel(id));
}

/**
 * Merges a `GET /v1/models` listing with the catalogue: listed models take their catalogue entry, unknown ones
 * what the API reports (`endpoints` `chat` / `embed`, `context_length`, `features` `vision`, `tools`);
 * deprecated and fine-tuned entries of other endpoints are skipped. Catalogue models the API does not list stay.
 */
export function mergeModelList(listed: readonly CohereModelEntry[], catalogue: readonly ModelInfo[]): ModelInfo[] {
  const out = new Map<string, ModelInfo>();
  for (const entry of listed) {
    if (typeof entry?.name !== "string" || entry.name === "") continue;
    const known = findCatalogueModel(entry.name, catalogue);
    if (known) {
      out.set(entry.name, copyModelInfo(known));
      continue;
    }
    const endpoints = entry.endpoints ?? [];
    const chat = endpoints.includes("chat");
    if (!chat && !endpoints.includes("embed")) continue;
    const vision = (entry.features ?? []).includes("vision");
    const info: ModelInfo = chat
      ? {
          id: entry.name,
          name: entry.name,
          capabilities: [...COMMAND_CAPABILITIES, ...(vision ? VISION_CAPABILITIES : [])],
          features: { ...COMMAND_FEATURES, vision, toolCalling: (entry.features ?? []).includes("tools") || (entry.features ?? []).length === 0 },
        }
      : { id: entry.name, name: entry.name, capabilities: [...EMBED_CAPABILITIES], delivery: { synchronous: true, streaming: false } };
    if (typeof entry.context_length === "number" && entry.context_length > 0) info.contextWindow = entry.context_length;
    out.set(entry.name, info);
  }
  for (const model of catalogue) if (!out.has(model.id)) out.set(model.id, copyModelInfo(model));
  return [...out.values()];
}

