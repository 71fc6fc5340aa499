import {
  isModelMeshError,
  type AttemptTimeouts,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ImageGenerationRequest,
  type ImagesResponse,
  type ModelInfo,
  type ProviderConnectorV1,
  type ProviderError,
  type SpeechRequest,
  type SpeechResponse,
  type TokenUsage,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from "@modelmesh/core";
import { chatStream, parseOpenAIChunk } from "../sse/chat-stream.js";
import { parseSse, type SseEvent } from "../sse/parse-sse.js";
import { isSecretHeader } from "../transport/redact-headers.js";
import type { Transport } from "../transport/types.js";
import { streamFromJsonBody } from "./json-stream-fallback.js";
import { embedVia, imagesVia, speechVia, transcribeVia, type MediaDeps } from "./media-calls.js";
import { modelsFromList } from "./model-list.js";
import { ProviderCatalogue } from "./provider-catalogue.js";
import { CHAT_COMPLETION, type ProviderConfig } from "./provider-config.js";
import { httpStatusError, invalidResponseError } from "./provider-errors.js";
import { ProviderHttp, type ResolvedCall } from "./provider-http.js";
import { looksLikeCompletion, omitKeys, toStreamRequest, toTokenUsage, ZERO_USAGE } from "./wire-helpers.js";

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

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * All protocol logic of an OpenAI-compatible provider (ARCHITECTURE §2.4): request building, response and SSE
 * parsing, error mapping, rate-limit header reading (catalogue, accounting and classification come from
 * `ProviderCatalogue`). Subclasses differ only in
 * the default transport ({@link ProviderBase.createTransport}) and override the protected hooks
 * (`buildHeaders`, `buildRequestPayload`, `parseResponse`, `parseSseChunk`, `getCompletionEndpoint`,
 * `getEndpoint`, `toProviderError`) for vendor quirks. There are no retries here: the router is the only
 * retry engine (decision 2.5).
 *
 * Call options are optional for standalone use; without `timeouts`, every per-attempt timeout defaults to
 * `config.timeoutMs` (60 s).
 */
export abstract class ProviderBase<C extends ProviderConfig = ProviderConfig> extends ProviderCatalogue<C> implements ProviderConnectorV1 {
  /** HTTP exchange helper: sends, reports `onResponse`, maps errors, bounds bodies by the attempt budget. */
  protected readonly http: ProviderHttp;
  #transport: Transport | undefined;

  constructor(config: C) {
    super(config);
    this.http = new ProviderHttp({
      transport: () => this.transport,
      clock: this.clock,
      ledger: this.ledger,
      errorContext: (model) => this.errorContext(model),
      toProviderError: (status, headers, body, model) => this.toProviderError(status, headers, body, model),
    });
  }

  // -- transport -------------------------------------------------------------------------------------

  /** Returns the transport to use: the configured one, or the class default (created lazily, once). */
  protected abstract createTransport(configured: Transport | undefined): Transport;

  /** The transport in use, resolved on first request (never at construction: no work until needed). */
  protected get transport(): Transport {
    this.#transport ??= this.createTransport(this.config.transport);
    return this.#transport;
  }

  // -- execution -------------------------------------------------------------------------------------

  /** Non-streamed chat completion: POSTs the request (every field passed through) and reports usage. */
  async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    // `stream_options` without `stream: true` is rejected by OpenAI; a non-streamed call sends neither.
    const payload = this.buildRequestPayload(omitKeys(request, ["stream", "stream_options"]));
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
    this.reportUsage(request.model, toTokenUsage(completion.usage));
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
    let usage: TokenUsage | undefined;
    try {
      const contentType = response.headers["content-type"] ?? "";
      const progress = { pendingBytes: 0 };
      const chunks = /json/i.test(contentType)
        ? streamFromJsonBody(response, this.errorContext(request.model), this.clock, (json) => this.parseResponse(json), call.timeouts.idleMs)
        : chatStream(parseSse(response.body, { maxEventSize: this.http.limits(call).maxEventBytes, context: this.errorContext(request.model), progress }), {
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
      for await (const chunk of chunks) {
        if (chunk.usage) usage = toTokenUsage(chunk.usage);
        yield chunk.model ? chunk : { ...chunk, model: request.model };
      }
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    } finally {
      opened.dispose();
      await response.cancel();
    }
    this.reportUsage(request.model, usage ?? ZERO_USAGE);
  }

  /** `POST /embeddings`; reports prompt-token usage. */
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

  /** Closes a transport this instance created (shared agents stay open for other users). */
  async close(): Promise<void> {
    const transport = this.#transport as (Transport & { close?: () => Promise<void> }) | undefined;
    this.#transport = undefined;
    if (transport && transport !== this.config.transport && typeof transport.close === "function") await transport.close();
  }

  // -- override hooks ----------------------------------------------------------------------------------

  /** Headers of every request: JSON content type, `Authorization: Bearer <apiKey>` when set, config headers. */
  protected buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    return { ...headers, ...(this.config.headers ?? {}) };
  }

  /** The JSON body of a chat request. Default: the request itself, every field passed through untouched. */
  protected buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    return { ...request };
  }

  /** Maps the parsed JSON of a non-streamed response to a chat completion. Default: OpenAI shape, checked. */
  protected parseResponse(json: unknown): ChatCompletion {
    if (!looksLikeCompletion(json)) throw invalidResponseError("the body has no choices array", this.errorContext(undefined));
    return { ...json, object: "chat.completion" };
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

  /** Builds the error of a non-2xx response; default: core's classifier, secret-free message. */
  protected toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return httpStatusError(status, headers, body, this.errorContext(model), this.clock.now());
  }

  // -- internals shared with subclasses ----------------------------------------------------------------

  /** Normalises call options; missing timeouts fall back to `config.timeoutMs`. */
  protected resolveCall(options: Partial<CallOptions>): ResolvedCall {
    const fallback = this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeouts: AttemptTimeouts = { connectMs: fallback, firstTokenMs: fallback, idleMs: fallback, ...(options.timeouts ?? {}) };
    return { ...options, timeouts };
  }

  /** Headers for one call: the call's extra headers (secrets dropped), then the provider's own. */
  protected requestHeaders(call: ResolvedCall): Record<string, string> {
    const extra: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.headers ?? {})) if (!isSecretHeader(name)) extra[name.toLowerCase()] = value;
    return { ...extra, ...this.buildHeaders() };
  }

  /** What the media calls (embeddings, images, audio) need from this instance. */
  #media(): MediaDeps {
    return {
      endpoint: (kind) => this.getEndpoint(kind),
      headers: (call) => this.requestHeaders(call),
      http: this.http,
      report: (model, usage) => this.reportUsage(model, usage),
      errorContext: (model) => this.errorContext(model),
    };
  }
}
