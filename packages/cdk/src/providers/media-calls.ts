import type {
  EmbeddingRequest,
  EmbeddingResponse,
  ImageGenerationRequest,
  ImagesResponse,
  SpeechRequest,
  SpeechResponse,
  TranscriptionRequest,
  TranscriptionResponse,
} from "@modelmesh/core";
import { readBytes } from "../transport/read-body.js";
import { invalidResponseError, type ErrorContext } from "./provider-errors.js";
import type { ProviderHttp, ResolvedCall } from "./provider-http.js";
import { omitKeys, transcriptionForm } from "./wire-helpers.js";

/**
 * Default implementations of the OpenAI media endpoints (embeddings, images, speech, transcription), shared by
 * every provider built on `ProviderBase`. Request bodies pass through untouched.
 */

/** What the media calls need from their provider. */
export interface MediaDeps {
  /** URL of an endpoint kind. */
  endpoint: (kind: "embeddings" | "images" | "speech" | "transcriptions") => string;
  /** Headers of one call (JSON content type included). */
  headers: (call: ResolvedCall) => Record<string, string>;
  http: ProviderHttp;
  errorContext: (model: string | undefined) => ErrorContext;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `POST /embeddings`. */
export async function embedVia(deps: MediaDeps, request: EmbeddingRequest, call: ResolvedCall): Promise<EmbeddingResponse> {
  const json = await deps.http.postJson(deps.endpoint("embeddings"), deps.headers(call), request, call, request.model);
  if (!isRecord(json) || !Array.isArray(json.data)) throw invalidResponseError("the embeddings response has no data array", deps.errorContext(request.model));
  return json as unknown as EmbeddingResponse;
}

/** `POST /images/generations`. */
export async function imagesVia(deps: MediaDeps, request: ImageGenerationRequest, call: ResolvedCall): Promise<ImagesResponse> {
  const model = request.model ?? undefined;
  const json = await deps.http.postJson(deps.endpoint("images"), deps.headers(call), request, call, model);
  if (!isRecord(json) || !Array.isArray(json.data)) throw invalidResponseError("the images response has no data array", deps.errorContext(model));
  return json as unknown as ImagesResponse;
}

/** `POST /audio/speech`; the body is binary audio. */
export async function speechVia(deps: MediaDeps, request: SpeechRequest, call: ResolvedCall): Promise<SpeechResponse> {
  const init = { method: "POST" as const, url: deps.endpoint("speech"), headers: deps.headers(call), body: JSON.stringify(request) };
  const result = await deps.http.exchange(init, call, request.model, async (response) => ({
    audio: await readBytes(response.body),
    contentType: response.headers["content-type"] ?? "application/octet-stream",
  }));
  return { ...result, model: request.model };
}

/** `POST /audio/transcriptions` as multipart form data (the runtime sets the boundary header). */
export async function transcribeVia(deps: MediaDeps, request: TranscriptionRequest, call: ResolvedCall): Promise<TranscriptionResponse> {
  const init = {
    method: "POST" as const,
    url: deps.endpoint("transcriptions"),
    headers: omitKeys(deps.headers(call), ["content-type"]),
    body: transcriptionForm(request),
  };
  const text = await deps.http.exchange(init, call, request.model, (response) => response.text());
  const format = request.response_format;
  if (format === "text" || format === "srt" || format === "vtt") return { text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidResponseError("the transcription body is not valid JSON", deps.errorContext(request.model), error);
  }
  if (!isRecord(json) || typeof json.text !== "string") throw invalidResponseError("the transcription has no text", deps.errorContext(request.model));
  return json as TranscriptionResponse;
}
