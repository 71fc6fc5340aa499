import type { EmbeddingRequest, EmbeddingResponse } from "@modelmesh/core";
import { invalidBedrockResponse, unsupportedRequestError, type BedrockErrorContext } from "./bedrock-error-mapping.js";
import { baseModelId } from "./bedrock-models.js";

/**
 * OpenAI embedding requests ↔ Bedrock InvokeModel bodies of the embedding models (pure). Converse has no
 * embeddings; InvokeModel takes each model family's native body:
 *
 * | Family | Request (one call) | Response |
 * |---|---|---|
 * | Amazon Titan Text Embeddings (`amazon.titan-embed-text-v1`, `-v2:0`) | `{inputText, dimensions?}` — one text per call | `{embedding, inputTextTokenCount}` |
 * | Cohere Embed v3 (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`) | `{texts, input_type}` — up to 96 texts | `{embeddings: number[][]}` |
 *
 * `dimensions` is sent to Titan v2 (256, 512 or 1024); Cohere's `input_type` defaults to `search_document`
 * (set `input_type` on the request for queries). Token arrays and `encoding_format: base64` are refused.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html and
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 */

/** The embedding families this connector speaks. */
export type EmbeddingFamily = "titan" | "cohere";

/** Cohere's per-call limit on texts. */
export const COHERE_MAX_TEXTS = 96;

const COHERE_INPUT_TYPES = new Set(["search_document", "search_query", "classification", "clustering"]);

/** The family of an embedding model id (inference profile prefixes allowed), or undefined. */
export function embeddingFamily(model: string): EmbeddingFamily | undefined {
  const id = baseModelId(model);
  if (/^amazon\.titan-embed-(text|g1-text)/.test(id)) return "titan";
  if (/^cohere\.embed-/.test(id)) return "cohere";
  return undefined;
}

/** One InvokeModel call of an embedding request: its body and the input indexes it covers. */
export interface EmbeddingCall {
  body: Record<string, unknown>;
  indexes: number[];
}

/**
 * Plans the InvokeModel calls of an embedding request.
 * @throws ProviderError `MM_INVALID_REQUEST` for a model or input these families cannot take.
 */
export function planEmbeddingCalls(request: EmbeddingRequest): { family: EmbeddingFamily; calls: EmbeddingCall[] } {
  const family = embeddingFamily(request.model);
  if (!family) throw unsupportedRequestError(`model ${request.model} is not an embedding model this connector knows`, "Use an Amazon Titan Text Embeddings or Cohere Embed model id");
  const texts = inputTexts(request.input);
  if (request.encoding_format === "base64") throw unsupportedRequestError("encoding_format base64 is not supported by Bedrock embedding models", 'Use "float"');
  if (family === "titan") {
    const v2 = /titan-embed-text-v2/.test(request.model);
    if (request.dimensions != null && !v2) throw unsupportedRequestError(`dimensions is only supported by amazon.titan-embed-text-v2, not ${request.model}`);
    return { family, calls: texts.map((inputText, index) => ({ body: { inputText, ...(request.dimensions != null ? { dimensions: request.dimensions } : {}) }, indexes: [index] })) };
  }
  if (request.dimensions != null) throw unsupportedRequestError("dimensions is not supported by Cohere Embed on Bedrock");
  if (texts.length > COHERE_MAX_TEXTS) throw unsupportedRequestError(`${texts.length} inputs exceed Cohere Embed's limit of ${COHERE_MAX_TEXTS} per request`, "Split the input");
  const inputType = typeof request.input_type === "string" ? request.input_type : "search_document";
  if (!COHERE_INPUT_TYPES.has(inputType)) throw unsupportedRequestError(`input_type "${inputType}" is not one of ${[...COHERE_INPUT_TYPES].join(", ")}`);
  return { family, calls: [{ body: { texts, input_type: inputType }, indexes: texts.map((_, index) => index) }] };
}

function inputTexts(input: EmbeddingRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === "string")) {
    if (input.length === 0) throw unsupportedRequestError("input is empty");
    return input as string[];
  }
  throw unsupportedRequestError("token-array inputs are not supported by Bedrock embedding models", "Send strings");
}

/**
 * The vectors of one call's response, in input order.
 * @throws ProviderError `MM_INVALID_RESPONSE` for a body without the family's vectors.
 */
export function readEmbeddings(family: EmbeddingFamily, json: unknown, expected: number, context: BedrockErrorContext): { vectors: number[][]; tokens?: number } {
  const record = (json ?? {}) as Record<string, unknown>;
  if (family === "titan") {
    if (!isVector(record.embedding)) throw invalidBedrockResponse("the Titan response has no embedding array", context);
    return { vectors: [record.embedding], ...(typeof record.inputTextTokenCount === "number" ? { tokens: record.inputTextTokenCount } : {}) };
  }
  const embeddings = Array.isArray(record.embeddings) ? record.embeddings : (record.embeddings as { float?: unknown } | undefined)?.float;
  if (!Array.isArray(embeddings) || embeddings.length !== expected || !embeddings.every(isVector)) {
    throw invalidBedrockResponse(`the Cohere response does not hold ${expected} embedding arrays`, context);
  }
  return { vectors: embeddings as number[][] };
}

/** Assembles the OpenAI response. */
export function toEmbeddingResponse(model: string, vectors: number[][], promptTokens: number): EmbeddingResponse {
  return {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "number");
}
