import {
  ProviderError,
  formatMessage,
  isModelMeshError,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ErrorClassification,
  type ModelInfo,
} from "@modelmesh/core";
import { HttpProviderBase, chatStream, SseEventReader, type ProviderConfig } from "@modelmesh/cdk";
import { convertToGeminiRequest, type GeminiMappingWarning, type GeminiSchemaMode } from "./gemini-chat-mapping.js";
import { convertFromGeminiEmbeddings, convertToGeminiEmbedRequest, modelResourceName } from "./gemini-embedding-mapping.js";
import { classifyGoogleError, googleHttpError } from "./gemini-error-mapping.js";
import { invalidMessage } from "./gemini-message-mapping.js";
import { convertGeminiModels, mergeModels, readModelPage } from "./gemini-model-list.js";
import { GEMINI_MODELS, cloneModel } from "./gemini-models.js";
import { convertFromGeminiResponse, type GeminiResponseContext } from "./gemini-response-mapping.js";
import { GeminiStreamMapper, geminiSseEvents } from "./gemini-stream-mapping.js";
import { VERSION } from "./version.js";

/** Default base URL (the Gemini Developer API; the version prefix is added from `apiVersion`). */
export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";
/** Default API version path segment. */
export const GEMINI_API_VERSION = "v1beta";

/** Config of {@link GeminiProvider}: the CDK's provider config plus Gemini's own keys. */
export interface GeminiProviderConfig extends Omit<ProviderConfig, "baseUrl"> {
  /** API root WITHOUT the version: default `https://generativelanguage.googleapis.com`. */
  baseUrl?: string;
  /** API key, sent as `x-goog-api-key` (never in the URL). */
  apiKey?: string;
  /** Version path segment: default `v1beta` (tools, system instructions and JSON schema need it). */
  apiVersion?: string;
  /** When true, `listModels()` first merges `GET /{version}/models` into the catalogue (once). Default false. */
  discoverModels?: boolean;
  /**
   * How `response_format: json_schema` is sent: `json-schema` (`responseJsonSchema`, the schema as written),
   * `openapi` (`responseSchema`, sanitised), or `auto` (default): `openapi` for Gemini 1.x / 2.0 models,
   * which predate `responseJsonSchema`, `json-schema` for everything newer.
   */
  schemaMode?: GeminiSchemaMode | "auto";
  /** Receives what a request mapping could not send (dropped fields, schema keywords). Default: ignored. */
  onWarning?: (warning: GeminiMappingWarning & { model: string }) => void;
}

const MODEL_ID = /^(?:(?:models|tunedModels)\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_MODEL_PAGES = 20;

/**
 * The `google.gemini.v1` provider: OpenAI-format requests in and out, Gemini's `generateContent` /
 * `streamGenerateContent?alt=sse` / `embedContent` / `batchEmbedContents` / `GET models` on the wire. The
 * transport, size limits, `onResponse` (with the rate limits read from the headers) and error plumbing are the
 * CDK's protocol-neutral `HttpProviderBase`; this class only translates (see the `gemini-*-mapping.ts`
 * modules) and builds Gemini's URLs and headers. It has chat, streams and embeddings; image generation and
 * audio are not offered, so it has no such methods and the router answers them with `MM_NOT_SUPPORTED`
 * (docs/ARCHITECTURE.md §2.14).
 * Default transport: `fetch` (inject `createUndiciTransport()` from `@modelmesh/cdk/node` on Node servers).
 * @example
 * const gemini = new GeminiProvider({ apiKey: process.env.GEMINI_API_KEY });
 * const answer = await gemini.complete({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
 */
export class GeminiProvider extends HttpProviderBase<ProviderConfig & GeminiProviderConfig> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "google.gemini.v1";
  #ids = 0;
  #discovery: Promise<ModelInfo[]> | undefined;

  constructor(config: GeminiProviderConfig = {}) {
    super({
      ...config,
      baseUrl: config.baseUrl || GEMINI_BASE_URL,
      models: (config.models?.length ? config.models : GEMINI_MODELS).map(cloneModel),
    });
  }

  // -- chat ------------------------------------------------------------------------------------------

  /** `POST …/models/{model}:generateContent`; the OpenAI request is translated, the answer translated back. */
  override async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    const model = request.model;
    const url = this.#modelUrl(model, "generateContent");
    const body = this.#toGemini(request);
    const json = await this.http.postJson(url, this.requestHeaders(call), body, call, model);
    let completion: ChatCompletion;
    try {
      completion = convertFromGeminiResponse(json, this.#responseContext(model));
    } catch (error) {
      throw this.#responseError(error, model, "not a GenerateContentResponse");
    }
    return completion;
  }

  /**
   * `POST …/models/{model}:streamGenerateContent?alt=sse`. HTTP errors surface on the first `next()`; the
   * stream ends when the body ends — cleanly only after a finish reason, otherwise with
   * `MM_STREAM_INTERRUPTED`; first-token and idle timeouts apply, and a malformed event is skipped and reported
   * through `options.onWarning` until the third one, which throws (the CDK's `chatStream`).
   */
  override async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    const call = this.resolveCall(options);
    const model = request.model;
    const url = `${this.#modelUrl(model, "streamGenerateContent")}?alt=sse`;
    const body = this.#toGemini(request);
    const headers = { ...this.requestHeaders(call), accept: "text/event-stream" };
    const opened = await this.http.openStream(url, headers, body, call, model);
    const { response, startedAt } = opened;
    const context = this.errorContext(model);
    const mapper = new GeminiStreamMapper(this.#responseContext(model));
    try {
      const progress = { pendingBytes: 0 };
      const events = new SseEventReader(response.body, { maxEventSize: this.http.limits(call).maxEventBytes, context, progress });
      const chunks = chatStream(geminiSseEvents(events, context, this.clock), {
        progress,
        parseChunk: (data) => mapper.map(data),
        firstTokenMs: call.timeouts.firstTokenMs,
        idleMs: call.timeouts.idleMs,
        startedAt,
        clock: this.clock,
        cancel: () => response.cancel(),
        context,
        // Skipped malformed events are reported to the router (the routing trace's warnings).
        ...(call.onWarning ? { onWarning: call.onWarning } : {}),
      });
      yield* chunks;
    } catch (error) {
      throw this.http.contextualize(error, model);
    } finally {
      opened.dispose();
      await response.cancel();
    }
  }

  // -- embeddings and models ---------------------------------------------------------------------------

  /** `:embedContent` for one string, `:batchEmbedContents` for a list; returns the OpenAI embeddings shape. */
  async embed(request: EmbeddingRequest, options: Partial<CallOptions> = {}): Promise<EmbeddingResponse> {
    const call = this.resolveCall(options);
    let conversion: ReturnType<typeof convertToGeminiEmbedRequest>;
    try {
      conversion = convertToGeminiEmbedRequest(request);
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
    const url = this.#modelUrl(request.model, conversion.method);
    const json = await this.http.postJson(url, this.requestHeaders(call), conversion.body, call, request.model);
    const response = convertFromGeminiEmbeddings(json, request, conversion.count);
    if (!response) throw this.#responseError(undefined, request.model, `expected ${conversion.count} embedding(s)`);
    return response;
  }

  /** The catalogue; with `discoverModels: true`, merged once with `GET /{version}/models` first. */
  override async listModels(): Promise<ModelInfo[]> {
    if (this.config.discoverModels) {
      this.#discovery ??= this.discoverModels().catch((error: unknown) => {
        this.#discovery = undefined;
        throw error;
      });
      await this.#discovery;
    }
    return super.listModels();
  }

  /**
   * Lists `GET {baseUrl}/{version}/models` (all pages), merges the servable models into the catalogue (known
   * ids keep their prices and features, see `gemini-model-list.ts`) and returns the listed ones.
   */
  async discoverModels(options: Partial<CallOptions> = {}): Promise<ModelInfo[]> {
    const call = this.resolveCall(options);
    const { "content-type": _json, ...headers } = this.requestHeaders(call);
    const catalogue = await super.listModels();
    const listed = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`;
      const json = await this.http.getJson(`${this.#versionUrl()}/models?${query}`, headers, call);
      const parsed = readModelPage(json);
      if (!parsed) throw this.#responseError(undefined, undefined, "the model list has no models array");
      listed.push(...parsed.models);
      pageToken = parsed.nextPageToken;
      if (!pageToken) break;
    }
    const discovered = convertGeminiModels(listed, catalogue);
    this.setModels(mergeModels(catalogue, discovered));
    return discovered.map(cloneModel);
  }

  // -- errors ----------------------------------------------------------------------------------------

  /**
   * Like the CDK's, but errors carrying an HTTP status that are not ModelMesh errors (e.g. `@google/genai`'s
   * `ApiError`, whose message is the JSON error body) are classified with Google's rules.
   */
  override classifyError(error: unknown): ErrorClassification {
    if (!isModelMeshError(error) && typeof error === "object" && error !== null) {
      const status = (error as { status?: unknown }).status;
      if (typeof status === "number" && status >= 400 && status <= 599) {
        const record = error as { body?: unknown; message?: unknown };
        return classifyGoogleError(status, {}, record.body ?? record.message ?? "", this.clock.now());
      }
    }
    return super.classifyError(error);
  }

  // -- hooks -----------------------------------------------------------------------------------------

  /** JSON content type, the key as `x-goog-api-key` (Google's header; never `?key=` in the URL), config headers. */
  protected override buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json", "x-goog-api-client": `modelmesh-provider-google/${VERSION}` };
    if (this.config.apiKey) headers["x-goog-api-key"] = this.config.apiKey;
    return { ...headers, ...(this.config.headers ?? {}) };
  }

  /** Google's error envelope, status names and quota details (`gemini-error-mapping.ts`). */
  protected override toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return googleHttpError(status, headers, body, this.errorContext(model), this.clock.now());
  }

  // -- internals -------------------------------------------------------------------------------------

  /** `{baseUrl}/{version}/models/{model}:{method}`; rejects ids that would change the path. */
  #modelUrl(model: string, method: string): string {
    if (typeof model !== "string" || !MODEL_ID.test(model)) {
      throw this.http.contextualize(invalidMessage(`model id "${String(model)}" is not a Gemini model name`, "Use an id such as gemini-2.5-flash"), undefined);
    }
    return `${this.#versionUrl()}/${modelResourceName(model)}:${method}`;
  }

  /** `{baseUrl}/{version}`. */
  #versionUrl(): string {
    return `${this.config.baseUrl}/${this.config.apiVersion ?? GEMINI_API_VERSION}`;
  }

  #toGemini(request: ChatCompletionRequest): Record<string, unknown> {
    const model = request.model;
    const mode = this.config.schemaMode && this.config.schemaMode !== "auto" ? this.config.schemaMode : /gemini-(1\.|2\.0)/.test(model) ? "openapi" : "json-schema";
    try {
      const { body, warnings } = convertToGeminiRequest(request, { schemaMode: mode });
      for (const warning of warnings) this.config.onWarning?.({ ...warning, model });
      return body;
    } catch (error) {
      throw this.http.contextualize(error, model);
    }
  }

  #responseContext(model: string): GeminiResponseContext {
    this.#ids += 1;
    const now = this.clock.now();
    return { model, created: Math.floor(now / 1000), fallbackId: `${now.toString(36)}${this.#ids.toString(36)}` };
  }

  #responseError(error: unknown, model: string | undefined, what: string): unknown {
    if (isModelMeshError(error)) return this.http.contextualize(error, model);
    return new ProviderError({
      code: "MM_INVALID_RESPONSE",
      category: "server",
      retryable: false,
      message: formatMessage(`provider ${this.id}`, `invalid response: ${what}${error instanceof Error ? ` (${error.message})` : ""}`),
      provider: this.id,
      ...(model !== undefined ? { model } : {}),
      ...(error !== undefined ? { cause: error } : {}),
    });
  }
}
