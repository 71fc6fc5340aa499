import { copyModelInfo, withCatalogue } from "@modelmesh/cdk";
import type { ModelFeatures, ModelInfo } from "@modelmesh/core";
import type { AnthropicModelInfo } from "./anthropic-wire.js";

/**
 * The default model catalogue (used when a config lists no models) and the merge of `GET /v1/models` with
 * it. Prices are USD per 1M tokens (standard tier, prompts ≤ 200k tokens; cache writes and reads are billed
 * differently by Anthropic and are not modelled here). Sources: https://docs.anthropic.com/en/docs/about-claude/models
 * and https://www.anthropic.com/pricing.
 *
 * Ids are the API's aliases (`claude-sonnet-4-0`, `claude-3-5-haiku-latest`), which always point at the
 * newest snapshot; dated snapshots (`claude-sonnet-4-20250514`) inherit their alias's entry. The list is the
 * one issue 4 specifies; several of these models are retired or deprecated by now (see the README), so
 * configs should list current models or enable discovery.
 */

/** Capabilities every Claude chat model serves (full capability-tree paths). */
export const CLAUDE_CAPABILITIES: readonly string[] = Object.freeze([
  "generation.text-generation.chat-completion",
  "generation.text-generation.code-generation",
  "generation.structured-generation.json-generation",
  "generation.structured-generation.schema-constrained-output",
  "generation.structured-generation.function-call-generation",
  "understanding.vision-understanding.image-captioning",
  "understanding.vision-understanding.ocr",
  "understanding.document-understanding.document-parsing",
  "interaction.tool-calling",
  "interaction.multi-turn-conversation",
]);

/**
 * Features of Claude models. `assistantPrefill`: every catalogued Claude model continues a final assistant
 * message (the prefill) — the connector sends it as the last assistant turn with trailing whitespace
 * trimmed. `structuredOutput` / `jsonMode` are honoured through a forced tool (see the chat mapping).
 */
export const CLAUDE_FEATURES: Readonly<ModelFeatures> = Object.freeze({
  toolCalling: true,
  parallelToolCalls: true,
  vision: true,
  audioInput: false,
  jsonMode: true,
  structuredOutput: true,
  systemPrompt: true,
  assistantPrefill: true,
  logprobs: false,
});

function claude(id: string, name: string, maxOutputTokens: number, inputPerMillion: number, outputPerMillion: number): ModelInfo {
  return Object.freeze({
    id,
    name,
    capabilities: [...CLAUDE_CAPABILITIES],
    contextWindow: 200_000,
    maxOutputTokens,
    pricing: { inputPerMillion, outputPerMillion },
    features: { ...CLAUDE_FEATURES },
    delivery: { synchronous: true, streaming: true },
  });
}

/** The default catalogue: 200k context, tools, vision and prefill on every model. */
export const ANTHROPIC_MODELS: readonly ModelInfo[] = /*#__PURE__*/ Object.freeze([
  claude("claude-opus-4-1", "Claude Opus 4.1", 32_000, 15, 75),
  claude("claude-sonnet-4-5", "Claude Sonnet 4.5", 64_000, 3, 15),
  claude("claude-sonnet-4-0", "Claude Sonnet 4", 64_000, 3, 15),
  claude("claude-haiku-4-5", "Claude Haiku 4.5", 64_000, 1, 5),
  claude("claude-3-5-haiku-latest", "Claude Haiku 3.5", 8_192, 0.8, 4),
]);

/** `max_tokens` sent for a model the catalogue does not know and the request does not size. */
export const FALLBACK_MAX_TOKENS = 4_096;

/** The alias family of a model id: date suffixes, `-latest` and a trailing `-0` removed. */
export function modelFamily(id: string): string {
  return id.replace(/-(\d{8}|latest)$/, "").replace(/-0$/, "");
}

/** The catalogue entry for an id, its dated snapshot or its alias; undefined when unknown. */
export function findCatalogueModel(id: string, models: readonly ModelInfo[] = ANTHROPIC_MODELS): ModelInfo | undefined {
  return models.find((model) => model.id === id) ?? models.find((model) => modelFamily(model.id) === modelFamily(id));
}

/**
 * Completes configured models with the catalogue: a configured entry keeps every value it sets and takes the
 * catalogue's for the rest (capabilities, sizes, prices, features). No configured models: the catalogue.
 */
export function withCatalogueDefaults(configured: readonly ModelInfo[] | undefined): ModelInfo[] {
  return withCatalogue(configured, ANTHROPIC_MODELS, (id) => findCatalogueModel(id));
}

/**
 * Merges a `GET /v1/models` page list with the catalogue: listed models take their catalogue entry (by id or
 * alias family) and otherwise what the API reports (sizes, image input, structured outputs); catalogue
 * aliases the API does not list stay (they remain valid ids). Unknown models get no `assistantPrefill`:
 * whether a new model accepts a prefill is not reported by the API, and a wrong `true` would send prefills
 * to a model that rejects them.
 */
export function mergeModelList(listed: readonly AnthropicModelInfo[], catalogue: readonly ModelInfo[]): ModelInfo[] {
  const out = new Map<string, ModelInfo>();
  for (const entry of listed) {
    if (typeof entry?.id !== "string" || entry.id === "") continue;
    const known = findCatalogueModel(entry.id, catalogue);
    out.set(entry.id, known ? { ...copyModelInfo(known), id: entry.id, name: entry.display_name ?? known.name ?? entry.id } : fromApi(entry));
  }
  for (const model of catalogue) if (!out.has(model.id)) out.set(model.id, copyModelInfo(model));
  return [...out.values()];
}

function fromApi(entry: AnthropicModelInfo): ModelInfo {
  const supported = (name: string): boolean | undefined => {
    const value = entry.capabilities?.[name];
    return typeof value === "object" && value !== null && typeof (value as { supported?: unknown }).supported === "boolean"
      ? (value as { supported: boolean }).supported
      : undefined;
  };
  const features: ModelFeatures = { toolCalling: true, parallelToolCalls: true, systemPrompt: true, jsonMode: true, structuredOutput: true };
  const vision = supported("image_input");
  if (vision !== undefined) features.vision = vision;
  const info: ModelInfo = {
    id: entry.id,
    name: entry.display_name ?? entry.id,
    capabilities: CLAUDE_CAPABILITIES.filter((path) => vision !== false || !path.startsWith("understanding.vision")),
    features,
  };
  if (typeof entry.max_input_tokens === "number" && entry.max_input_tokens > 0) info.contextWindow = entry.max_input_tokens;
  if (typeof entry.max_tokens === "number" && entry.max_tokens > 0) info.maxOutputTokens = entry.max_tokens;
  return info;
}


