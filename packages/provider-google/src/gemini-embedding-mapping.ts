import type { EmbeddingRequest, EmbeddingResponse } from "@modelmesh/core";
import { invalidMessage } from "./gemini-message-mapping.js";
import type { GeminiEmbedContentRequest } from "./gemini-wire.js";

/**
 * OpenAI embeddings ↔ Gemini `embedContent` / `batchEmbedContents`. Pure.
 *
 * - one string → `POST models/{model}:embedContent` `{content, outputDimensionality?}`;
 * - a list of strings → `POST models/{model}:batchEmbedContents` `{requests: [{model: "models/{model}",
 *   content, …}]}` (each entry must repeat the model, as `@google/genai` sends it);
 * - `dimensions` → `outputDimensionality`; `extra_body.google` (`taskType`, `title`) is copied into every entry;
 * - token-id input (`number[]`, `number[][]`) has no Gemini form: `MM_INVALID_REQUEST`;
 * - the Developer API reports no token usage for embeddings: `usage` is the response's
 *   `usageMetadata.promptTokenCount` when a future version sends it, else 0 (the request still counts);
 * - `encoding_format: "base64"` is honoured locally (little-endian float32, as OpenAI encodes it).
 */

/** Which method and body an embeddings request becomes. */
export interface GeminiEmbedConversion {
  method: "embedContent" | "batchEmbedContents";
  body: GeminiEmbedContentRequest | { requests: GeminiEmbedContentRequest[] };
  /** Number of inputs (vectors expected back). */
  count: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `models/{id}` unless already prefixed. */
export function modelResourceName(model: string): string {
  return model.startsWith("models/") || model.startsWith("tunedModels/") ? model : `models/${model}`;
}

/**
 * Converts an OpenAI embeddings request.
 * @throws ProviderError `MM_INVALID_REQUEST` for token-id or empty input.
 */
export function convertToGeminiEmbedRequest(request: EmbeddingRequest): GeminiEmbedConversion {
  const input = request.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((item) => typeof item === "string") ? (input as string[]) : undefined;
  if (!texts) throw invalidMessage("embeddings input must be a string or a list of strings", "Gemini embeds text only; send text, not token ids");
  if (texts.length === 0) throw invalidMessage("embeddings input is an empty list", "Send at least one string");
  const google = isRecord(request.extra_body) && isRecord(request.extra_body.google) ? request.extra_body.google : {};
  const entry = (text: string): GeminiEmbedContentRequest => ({
    content: { parts: [{ text }], role: "user" },
    ...google,
    ...(typeof request.dimensions === "number" ? { outputDimensionality: request.dimensions } : {}),
  });
  if (typeof input === "string") return { method: "embedContent", body: entry(input), count: 1 };
  const model = modelResourceName(request.model);
  return { method: "batchEmbedContents", body: { requests: texts.map((text) => ({ model, ...entry(text) })) }, count: texts.length };
}

function toBase64Float32(values: number[]): string {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Converts `{embedding: {values}}` (single) or `{embeddings: [{values}]}` (batch) into an OpenAI embeddings
 * response. Returns undefined when the JSON has neither shape or the count does not match the request.
 */
export function convertFromGeminiEmbeddings(json: unknown, request: EmbeddingRequest, expected: number): EmbeddingResponse | undefined {
  if (!isRecord(json)) return undefined;
  const list = Array.isArray(json.embeddings) ? json.embeddings : isRecord(json.embedding) ? [json.embedding] : undefined;
  if (!list || list.length !== expected) return undefined;
  const vectors: number[][] = [];
  for (const item of list) {
    if (!isRecord(item) || !Array.isArray(item.values) || !item.values.every((n) => typeof n === "number")) return undefined;
    vectors.push(item.values as number[]);
  }
  const usage = isRecord(json.usageMetadata) && typeof json.usageMetadata.promptTokenCount === "number" ? json.usageMetadata.promptTokenCount : 0;
  const base64 = request.encoding_format === "base64";
  return {
    object: "list",
    data: vectors.map((values, index) => ({ object: "embedding", index, embedding: base64 ? (toBase64Float32(values) as unknown as number[]) : values })),
    model: request.model,
    usage: { prompt_tokens: usage, total_tokens: usage },
  };
}
