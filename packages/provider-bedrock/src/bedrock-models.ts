import type { ModelFeatures, ModelInfo } from "@modelmesh/core";

/**
 * The default model catalogue (used when a config lists no models), and the completion of configured models
 * from it. Ids are Bedrock model ids; cross-region inference profile ids (`us.`, `eu.`, `apac.`, `global.`
 * prefixes) take the entry of the model they route to. Prices are USD per 1M tokens, on-demand, us-east-1,
 * as AWS listed them (https://aws.amazon.com/bedrock/pricing/); they are indicative: set `pricing` in the
 * config for the region and tier you use.
 */

const TEXT_CAPABILITIES: readonly string[] = [
  "generation.text-generation.chat-completion",
  "generation.text-generation.code-generation",
  "generation.structured-generation.function-call-generation",
  "interaction.tool-calling",
  "interaction.multi-turn-conversation",
];

const VISION_CAPABILITIES: readonly string[] = [...TEXT_CAPABILITIES, "understanding.vision-understanding.image-captioning"];

/** JSON mode through a forced tool needs `toolChoice.tool`, which Claude and Nova support. */
const FORCED_TOOL_CAPABILITIES: readonly string[] = ["generation.structured-generation.json-generation", "generation.structured-generation.schema-constrained-output"];

interface Entry {
  id: string;
  name: string;
  contextWindow: number;
  maxOutputTokens: number;
  input: number;
  output: number;
  vision: boolean;
  forcedTool: boolean;
}

function model(entry: Entry): ModelInfo {
  const features: ModelFeatures = {
    toolCalling: true,
    vision: entry.vision,
    jsonMode: entry.forcedTool,
    structuredOutput: entry.forcedTool,
    systemPrompt: true,
    audioInput: false,
    logprobs: false,
  };
  return Object.freeze({
    id: entry.id,
    name: entry.name,
    capabilities: [...(entry.vision ? VISION_CAPABILITIES : TEXT_CAPABILITIES), ...(entry.forcedTool ? FORCED_TOOL_CAPABILITIES : [])],
    contextWindow: entry.contextWindow,
    maxOutputTokens: entry.maxOutputTokens,
    pricing: { inputPerMillion: entry.input, outputPerMillion: entry.output },
    features,
    delivery: { synchronous: true, streaming: true },
  });
}

/** The default catalogue. */
export const BEDROCK_MODELS: readonly ModelInfo[] = Object.freeze([
  model({ id: "anthropic.claude-3-5-haiku-20241022-v1:0", name: "Claude 3.5 Haiku", contextWindow: 200_000, maxOutputTokens: 8_192, input: 0.8, output: 4, vision: false, forcedTool: true }),
  model({ id: "us.anthropic.claude-3-7-sonnet-20250219-v1:0", name: "Claude 3.7 Sonnet (US inference profile)", contextWindow: 200_000, maxOutputTokens: 8_192, input: 3, output: 15, vision: true, forcedTool: true }),
  model({ id: "amazon.nova-pro-v1:0", name: "Amazon Nova Pro", contextWindow: 300_000, maxOutputTokens: 5_000, input: 0.8, output: 3.2, vision: true, forcedTool: true }),
  model({ id: "amazon.nova-lite-v1:0", name: "Amazon Nova Lite", contextWindow: 300_000, maxOutputTokens: 5_000, input: 0.06, output: 0.24, vision: true, forcedTool: true }),
  model({ id: "amazon.nova-micro-v1:0", name: "Amazon Nova Micro", contextWindow: 128_000, maxOutputTokens: 5_000, input: 0.035, output: 0.14, vision: false, forcedTool: true }),
  model({ id: "meta.llama3-3-70b-instruct-v1:0", name: "Llama 3.3 70B Instruct", contextWindow: 128_000, maxOutputTokens: 8_192, input: 0.72, output: 0.72, vision: false, forcedTool: false }),
  model({ id: "mistral.mistral-large-2407-v1:0", name: "Mistral Large (24.07)", contextWindow: 128_000, maxOutputTokens: 8_192, input: 2, output: 6, vision: false, forcedTool: false }),
]);

const EMBEDDING_CAPABILITIES: readonly string[] = ["representation.embeddings.text-embeddings"];

function embedding(id: string, name: string, contextWindow: number, input: number): ModelInfo {
  return Object.freeze({
    id,
    name,
    capabilities: [...EMBEDDING_CAPABILITIES],
    contextWindow,
    pricing: { inputPerMillion: input, outputPerMillion: 0 },
    delivery: { synchronous: true, streaming: false },
  });
}

/** Embedding models (InvokeModel, see `bedrock-embeddings.ts`). */
export const BEDROCK_EMBEDDING_MODELS: readonly ModelInfo[] = Object.freeze([
  embedding("amazon.titan-embed-text-v2:0", "Amazon Titan Text Embeddings V2", 8_192, 0.02),
  embedding("cohere.embed-english-v3", "Cohere Embed English v3", 512, 0.1),
  embedding("cohere.embed-multilingual-v3", "Cohere Embed Multilingual v3", 512, 0.1),
]);

/** Capabilities of a model the catalogue does not know: chat with tools. */
export const DEFAULT_CAPABILITIES: readonly string[] = TEXT_CAPABILITIES;

/** The model id an inference profile id routes to: `us.anthropic.claude-…` → `anthropic.claude-…`. */
export function baseModelId(id: string): string {
  return id.replace(/^(us|eu|apac|us-gov|global|ca|jp|au)\./, "");
}

/** The catalogue entry of `id` (exact, else through its inference profile prefix). */
export function findCatalogueModel(id: string, catalogue: readonly ModelInfo[] = [...BEDROCK_MODELS, ...BEDROCK_EMBEDDING_MODELS]): ModelInfo | undefined {
  return catalogue.find((entry) => entry.id === id) ?? catalogue.find((entry) => baseModelId(entry.id) === baseModelId(id));
}

/** Configured models completed from the catalogue (configured fields win); no models → the catalogue (chat and embedding models). */
export function withCatalogueDefaults(models: readonly ModelInfo[] | undefined): ModelInfo[] {
  if (!models || models.length === 0) return [...BEDROCK_MODELS, ...BEDROCK_EMBEDDING_MODELS].map((entry) => ({ ...entry, capabilities: [...entry.capabilities] }));
  return models.map((configured) => {
    const known = findCatalogueModel(configured.id);
    const merged: ModelInfo = { ...(known ?? {}), ...configured, id: configured.id };
    if (configured.capabilities.length === 0) merged.capabilities = [...(known?.capabilities ?? DEFAULT_CAPABILITIES)];
    return merged;
  });
}
