import type { EmbeddingRequest, EmbeddingResponse } from "@modelmesh/core";
import { COHERE_INPUT_TYPES, type CohereInputType } from "./cohere-config.js";
import { unsupportedRequestError } from "./cohere-error-mapping.js";
import type { CohereEmbedRequest } from "./cohere-wire.js";

/**
 * OpenAI embeddings ↔ Cohere `POST /v2/embed` (pure).
 *
 * | OpenAI | Cohere v2 |
 * |---|---|
 * | `input` (a string or a list of strings) | `texts` (always a list) |
 * | `model` | `model` |
 * | `dimensions` | `output_dimension` (embed-v4.0 and newer: 256, 512, 1024 or 1536) |
 * | `input_type` (extension field; else the config's `default_input_type`, else `search_document`) | `input_type` |
 * | `truncate` (extension field; else the config's `embed_truncate`) | `truncate` |
 * | — | `embedding_types: ["float"]` |
 * | `encoding_format: "base64"` | floats are requested and encoded locally (little-endian float32, as OpenAI does) |
 *
 * Answer: `embeddings.float[i]` → `data[i].embedding`; usage is `meta.billed_units.input_tokens` (else
 * `meta.tokens.input_tokens`). Refused with `MM_INVALID_REQUEST`: token-id input, an empty list, more than 96
 * texts (Cohere's per-call limit), an unknown `input_type` or `truncate`. `user` is not sent (no Cohere field).
 */

/** Cohere's per-call maximum of texts. */
export const MAX_EMBED_TEXTS = 96;

const TRUNCATES = ["NONE", "START", "END"] as const;

/** Conversion defaults from the provider's config. */
export interface CohereEmbedOptions {
  defaultInputType?: CohereInputType;
  embedTruncate?: (typeof TRUNCATES)[number];
}

/**
 * Converts an OpenAI embeddings request.
 * @throws ProviderError `MM_INVALID_REQUEST` (see the module comment).
 */
export function convertToCohereEmbedRequest(request: EmbeddingRequest, options: CohereEmbedOptions = {}): CohereEmbedRequest {
  const input = request.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((item) => typeof item === "string") ? (input as string[]) : undefined;
  if (!texts) throw unsupportedRequestError("embeddings input must be a string or a list of strings", "Cohere embeds text; send text, not token ids");
  if (texts.length === 0) throw unsupportedRequestError("embeddings input is an empty list", "Send at least one string");
  if (texts.length > MAX_EMBED_TEXTS) throw unsupportedRequestError(`embeddings input has ${texts.length} texts; Cohere accepts at most ${MAX_EMBED_TEXTS} per call`, "Split the input into batches");
  const inputType = request.input_type ?? options.defaultInputType ?? "search_document";
  if (typeof inputType !== "string" || !(COHERE_INPUT_TYPES as readonly string[]).includes(inputType)) {
    throw unsupportedRequestError(`input_type ${JSON.stringify(inputType)} is not one of ${COHERE_INPUT_TYPES.join(", ")}`);
  }
  const truncate = request.truncate ?? options.embedTruncate;
  if (truncate !== undefined && !(TRUNCATES as readonly unknown[]).includes(truncate)) throw unsupportedRequestError(`truncate ${JSON.stringify(truncate)} is not one of ${TRUNCATES.join(", ")}`);
  if (request.encoding_format != null && request.encoding_format !== "float" && request.encoding_format !== "base64") {
    throw unsupportedRequestError(`encoding_format ${JSON.stringify(request.encoding_format)} is not supported`, "Use float or base64");
  }
  const body: CohereEmbedRequest = { model: request.model, texts: [...texts], input_type: inputType, embedding_types: ["float"] };
  if (request.dimensions != null) body.output_dimension = request.dimensions;
  if (truncate !== undefined) body.truncate = truncate as CohereEmbedRequest["truncate"];
  return body;
}

function toBase64Float32(values: number[]): string {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Converts a `POST /v2/embed` answer. Returns undefined when it has no `embeddings.float` list of `expected`
 * number vectors (the caller throws `MM_INVALID_RESPONSE`).
 */
export function convertFromCohereEmbeddings(json: unknown, request: EmbeddingRequest, expected: number): EmbeddingResponse | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const record = json as { embeddings?: { float?: unknown }; meta?: { billed_units?: { input_tokens?: unknown }; tokens?: { input_tokens?: unknown } } };
  const vectors = record.embeddings?.float;
  if (!Array.isArray(vectors) || vectors.length !== expected) return undefined;
  if (!vectors.every((vector) => Array.isArray(vector) && vector.length > 0 && vector.every((n) => typeof n === "number"))) return undefined;
  const billed = record.meta?.billed_units?.input_tokens;
  const processed = record.meta?.tokens?.input_tokens;
  const tokens = typeof billed === "number" ? billed : typeof processed === "number" ? processed : 0;
  const base64 = request.encoding_format === "base64";
  return {
    object: "list",
    data: (vectors as number[][]).map((values, index) => ({ object: "embedding", index, embedding: base64 ? (toBase64Float32(values) as unknown as number[]) : values })),
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
