import {
  isModelMeshError,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ImageGenerationRequest,
  type ImagesResponse,
  type ModelInfo,
  type SpeechRequest,
  type SpeechResponse,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from "@modelmesh/core";
import { chatStream, parseOpenAIChunk } from "../sse/chat-stream.js";
import { SseEventReader, type SseEvent } from "../sse/parse-sse.js";
import { streamFromJsonBody } from "./json-stream-fallback.js";
import { embedVia, imagesVia, speechVia, transcribeVia, type MediaDeps } from "./media-calls.js";
import { modelsFromList } from "./model-list.js";
import { HttpProviderBase } from "./http-provider-base.js";
import { CHAT_COMPLETION, type ProviderConfig } from "./provider-config.js";
import { invalidResponseError } from "./provider-errors.js";
import { looksLikeCompletion, omitKeys, toStreamRequest } from "./wire-helpers.js";

/** The OpenAI endpoints a provider talks to; {@link ProviderBase.getEndpoint} maps each to a URL. */
export type EndpointKind = "chat" | "embeddings" | "images" | "speech" | "transcriptions" | "models";

const ENDPOINT_PATHS: Readonly<Record<EndpointKind, string>> = {
  chat: "/chat/completions",
  embeddings: "/embeddings",
  images: "/images/generations",
  speech: "/audio/speech",
  transcriptions: "/audio/transcriptions",
  models: "/models",
};

/** Request fields a non-streamed call never sends. */
const NON_STREAMED_OMITS: readonly string[] = ["stream", "stream_options"];

/**
 * The OpenAI-shaped layer over the protocol-neutral `HttpProviderBase` (docs/ARCHITECTURE.md §2.14): chat
 * completions and their SSE stream, embeddings, images, speech, transcriptions and `GET /models`, each a
 * request passed through and a response checked. Subclasses differ in the default transport
 * ({@link ProviderBase.createTransport}) and override the protected hooks (`buildHeaders`,
 * `buildRequestPayload`, `parseResponse`, `parseSseChunk`, `getCompletionEndpoint`, `getEndpoint`,
 * `toProviderError`) for vendor quirks. There are no retries here: the router is the only retry engine
 * (docs/ARCHITECTURE.md §2.5).
 *
 * Call options are optional for standalone use; without `timeouts`, every per-attempt timeout defaults to
 * `config.timeoutMs` (60 s). Routed calls are timed by the router (see `resolveCall`).
 */
export abstract class ProviderBase<C extends ProviderConfig = ProviderConfig> extends HttpProviderBase<C> {
  // -- execution -------------------------------------------------------------------------------------

  /** Non-streamed chat completion: POSTs the request (every field passed through). */
  async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    // `stream_options` without `stream: true` is rejected by OpenAI; a non-streamed call sends neither.
    const payload = this.buildRequestPayload(omitKeys(request, NON_STREAMED_OMITS));
    const json = await this.http.postJson(this.getCompletionEndpoint(false), this.requestHeaders(call), payload, call, request.model);
    let completion: ChatCompletion;
    try {
      completion = this.parseResponse(json);
    } catch (error) {
      if (isModelMeshError(error)) throw this.http.contextualize(error, request.model);
      throw invalidResponseError("not a chat completion", this.errorContext(request.model), error);
    }
    // A mapping that finds no model (custom formats) falls back to the requested one.
    if (!completion.model) completion = { ...completion, model: request.model };
    return completion;
  }

  /**
   * Streamed chat completion. The first `next()` sends the request; HTTP errors surface there, before any
   * chunk. Sets `stream: true` and `stream_options.include_usage: true` (unless `streamUsage: false`).
   * Never retries. Ends only after `[DONE]` or a finish reason; a cut or a stall throws. A malformed event is
   * skipped and reported through `options.onWarning`; the third one in a stream throws (cdk's `chatStream`).
   */
  async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    const call = this.resolveCall(options);
    const payload = this.buildRequestPayload(toStreamRequest(request, this.config.streamUsage !== false));
    const headers = { ...this.requestHeaders(call), accept: "text/event-stream" };
    const opened = await this.http.openStream(this.getCompletionEndpoint(true), headers, payload, call, request.model);
    const { response, startedAt } = opened;
    try {
      const contentType = response.headers["content-type"] ?? "";
      const progress = { pendingBytes: 0 };
      const chunks = /json/i.test(contentType)
        ? streamFromJsonBody(response, this.errorContext(request.model), this.clock, (json) => this.parseResponse(json), call.timeouts.idleMs)
        : chatStream(new SseEventReader(response.body, { maxEventSize: this.http.limits(call).maxEventBytes, context: this.errorContext(request.model), progress }), {
            progress,
            parseChunk: (data, event) => this.parseSseChunk(data, event),
            firstTokenMs: call.timeouts.firstTokenMs,
            idleMs: call.timeouts.idleMs,
            startedAt,
            clock: this.clock,
            cancel: () => response.cancel(),
            context: this.errorContext(request.model),
            // Skipped malformed events go to the routing trace's warnings (the router's `onWarning`).
            ...(call.onWarning ? { onWarning: call.onWarning } : {}),
          });
      for await (const chunk of chunks) yield chunk.model ? chunk : { ...chunk, model: request.model };
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    } finally {
      opened.dispose();
      await response.cancel();
    }
  }

  /** `POST /embeddings`. */
  embed(request: EmbeddingRequest, options: Partial<CallOptions> = {}): Promise<EmbeddingResponse> {
    return embedVia(this.#media(), request, this.resolveCall(options));
  }

  /** `POST /images/generations`. */
  generateImage(request: ImageGenerationRequest, options: Partial<CallOptions> = {}): Promise<ImagesResponse> {
    return imagesVia(this.#media(), request, this.resolveCall(options));
  }

  /** `POST /audio/speech`; returns the audio bytes and their content type. */
  speech(request: SpeechRequest, options: Partial<CallOptions> = {}): Promise<SpeechResponse> {
    return speechVia(this.#media(), request, this.resolveCall(options));
  }

  /** `POST /audio/transcriptions` as multipart form data. */
  transcribe(request: TranscriptionRequest, options: Partial<CallOptions> = {}): Promise<TranscriptionResponse> {
    return transcribeVia(this.#media(), request, this.resolveCall(options));
  }

  /** Queries `GET {baseUrl}/models`; models carry this provider's capabilities (or chat completion). */
  async discoverModels(options: Partial<CallOptions> = {}): Promise<ModelInfo[]> {
    const call = this.resolveCall(options);
    const json = await this.http.getJson(this.getEndpoint("models"), omitKeys(this.requestHeaders(call), ["content-type"]), call);
    const capabilities = this.config.capabilities?.length ? this.config.capabilities : [CHAT_COMPLETION];
    const models = modelsFromList(json, capabilities);
    if (!models) throw invalidResponseError("the model list has no data array", this.errorContext(undefined));
    return models;
  }

  // -- override hooks ----------------------------------------------------------------------------------

  /** The JSON body of a chat request. Default: the request itself, every field passed through untouched. */
  protected buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    return { ...request };
  }

  /** Maps the parsed JSON of a non-streamed response to a chat completion. Default: OpenAI shape, checked. */
  protected parseResponse(json: unknown): ChatCompletion {
    if (!looksLikeCompletion(json)) throw invalidResponseError("the body has no choices array", this.errorContext(undefined));
    // The parsed body is this call's own object: it is returned as is when it already says what it is.
    return json.object === "chat.completion" ? json : { ...json, object: "chat.completion" };
  }

  /** Maps one parsed SSE payload to a chunk, or `null` to skip it. Throw for payloads that are not chunks. */
  protected parseSseChunk(data: unknown, _event: SseEvent): ChatCompletionChunk | null {
    const chunk = parseOpenAIChunk(data);
    if (chunk === undefined) throw new SyntaxError("stream payload is not a JSON object");
    return chunk;
  }

  /** URL of the chat completions endpoint (`stream` tells which call asks). Default: `getEndpoint("chat")`. */
  protected getCompletionEndpoint(_stream?: boolean): string {
    return this.getEndpoint("chat");
  }

  /** URL of an endpoint: `baseUrl` (which includes the version prefix) + the OpenAI path. */
  protected getEndpoint(kind: EndpointKind): string {
    return `${this.config.baseUrl}${ENDPOINT_PATHS[kind]}`;
  }

  // -- internals shared with subclasses ----------------------------------------------------------------

  /** What the media calls (embeddings, images, audio) need from this instance. */
  #media(): MediaDeps {
    return {
      endpoint: (kind) => this.getEndpoint(kind),
      headers: (call) => this.requestHeaders(call),
      http: this.http,
      errorContext: (model) => this.errorContext(model),
    };
  }
}
