import { HttpProviderBase, createFetchTransport, withProxyUrl, type ProviderConfig, type ResolvedCall, type Transport } from "@modelmesh/cdk";
import type {
  CallOptions,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ErrorClassification,
  ModelInfo,
  ProviderError,
} from "@modelmesh/core";
import { convertToCohereRequest, type CohereRequestPlan } from "./cohere-chat-mapping.js";
import { COHERE_BASE_URL, type CohereProviderConfig } from "./cohere-config.js";
import { convertFromCohereEmbeddings, convertToCohereEmbedRequest } from "./cohere-embed-mapping.js";
import { COHERE_CONNECTOR_ID, classifyCohereApiError, cohereHttpError, invalidCohereResponse, readCohereRateLimits } from "./cohere-error-mapping.js";
import { mergeModelList, withCatalogueDefaults } from "./cohere-models.js";
import { convertFromCohereResponse } from "./cohere-response-mapping.js";
import { cohereChatStream, cohereJsonStream, type CohereStreamContext } from "./cohere-stream-mapping.js";
import type { CohereModelList } from "./cohere-wire.js";

/** The config after defaults: a base URL is always set. */
type ResolvedConfig = CohereProviderConfig & ProviderConfig;

/** Pages of `GET /v1/models` followed at most (1000 models each). */
const MAX_MODEL_PAGES = 10;

/**
 * Cohere's v2 API as a ModelMesh provider (`cohere.chat.v2`). I/O and orchestration only: requests are
 * translated by `cohere-chat-mapping.ts` / `cohere-embed-mapping.ts`, answers by `cohere-response-mapping.ts`,
 * streams by `cohere-stream-mapping.ts` and errors by `cohere-error-mapping.ts`. Sending, size limits, SSE
 * parsing, stream end rules and classification come from cdk's protocol-neutral `HttpProviderBase` (fetch
 * transport by default; pass `transport` — e.g. cdk/node's undici transport — to change it). Chat, streams and
 * embeddings; Cohere's rerank and image or audio calls have no OpenAI-shaped method here, so the router answers
 * those requests with `MM_NOT_SUPPORTED` (docs/ARCHITECTURE.md §2.14).
 * @example
 * const cohere = new CohereProvider({ apiKey: process.env.CO_API_KEY });
 * const answer = await cohere.complete({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] });
 */
export class CohereProvider extends HttpProviderBase<ResolvedConfig> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = COHERE_CONNECTOR_ID;

  readonly #explicitModels: boolean;
  readonly #base: readonly ModelInfo[];
  #discovery: Promise<ModelInfo[]> | undefined;
  #discovered = false;

  constructor(config: CohereProviderConfig = {}) {
    const models = withCatalogueDefaults(config.models);
    super({ ...config, baseUrl: (config.baseUrl || COHERE_BASE_URL).replace(/\/+$/, ""), models });
    this.#explicitModels = (config.models?.length ?? 0) > 0;
    this.#base = models;
  }

  // -- execution -------------------------------------------------------------------------------------

  /** `POST /v2/chat`; the answer is mapped to an OpenAI chat completion. */
  override async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    const plan = this.#plan(request, false, call);
    const json = await this.http.postJson(this.#url("v2/chat"), this.requestHeaders(call), plan.body, call, request.model);
    try {
      return convertFromCohereResponse(json, { model: request.model, created: this.#now(), errorContext: this.errorContext(request.model) });
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
  }

  /**
   * Streams `POST /v2/chat` with `stream: true` as OpenAI chunks ending with a usage-only chunk. The first
   * `next()` sends the request; HTTP errors surface there. A failed `message-end`, a cut or a stall throws; a
   * malformed event is skipped and reported through `options.onWarning`, and the third one in a stream throws
   * (cdk's `chatStream`). The stream ends at `message-end`; a body that ends before it is `MM_STREAM_INTERRUPTED`.
   */
  override async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    const call = this.resolveCall(options);
    const plan = this.#plan(request, true, call);
    const headers = { ...this.requestHeaders(call), accept: "text/event-stream" };
    const opened = await this.http.openStream(this.#url("v2/chat"), headers, plan.body, call, request.model);
    const { response, startedAt } = opened;
    const stream: CohereStreamContext = { created: this.#now(), model: request.model, errorContext: this.errorContext(request.model) };
    try {
      const timing = { idleMs: call.timeouts.idleMs, clock: this.clock, cancel: () => response.cancel() };
      const warnings = call.onWarning ? { onWarning: call.onWarning } : {};
      const chunks = /json/i.test(response.headers["content-type"] ?? "")
        ? cohereJsonStream(response.text(), { ...timing, stream })
        : cohereChatStream(response.body, { ...timing, ...warnings, stream, firstTokenMs: call.timeouts.firstTokenMs, startedAt, maxEventSize: this.http.limits(call).maxEventBytes });
      yield* chunks;
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    } finally {
      opened.dispose();
      await response.cancel();
    }
  }

  /** `POST /v2/embed` with float embeddings; returns the OpenAI embeddings shape. */
  async embed(request: EmbeddingRequest, options: Partial<CallOptions> = {}): Promise<EmbeddingResponse> {
    const call = this.resolveCall(options);
    let body: ReturnType<typeof convertToCohereEmbedRequest>;
    try {
      body = convertToCohereEmbedRequest(request, {
        ...(this.config.defaultInputType ? { defaultInputType: this.config.defaultInputType } : {}),
        ...(this.config.embedTruncate ? { embedTruncate: this.config.embedTruncate } : {}),
      });
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
    if (request.user !== undefined) this.#warn(call, ["user is not sent: Cohere's embed has no such field"]);
    const json = await this.http.postJson(this.#url("v2/embed"), this.requestHeaders(call), body, call, request.model);
    const response = convertFromCohereEmbeddings(json, request, body.texts.length);
    if (!response) throw invalidCohereResponse(`expected embeddings.float with ${body.texts.length} vector(s)`, this.errorContext(request.model));
    return response;
  }

  // -- catalogue -------------------------------------------------------------------------------------

  /**
   * The configured models (completed from the catalogue), or the default catalogue. With `discoverModels:
   * true` the first call asks `GET /v1/models` and merges the answer (errors propagate; the next call asks again).
   */
  override async listModels(): Promise<ModelInfo[]> {
    if (this.config.discoverModels && !this.#discovered) {
      this.#discovery ??= this.discoverModels().finally(() => (this.#discovery = undefined));
      await this.#discovery;
    }
    return super.listModels();
  }

  /**
   * `GET /v1/models` (following `next_page_token`), merged with the catalogue. Replaces the served list unless
   * the config lists its models explicitly.
   */
  async discoverModels(options: Partial<CallOptions> = {}): Promise<ModelInfo[]> {
    const call = this.resolveCall(options);
    const { "content-type": _json, ...headers } = this.requestHeaders(call);
    const listed: CohereModelList["models"] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `?page_size=1000${token ? `&page_token=${encodeURIComponent(token)}` : ""}`;
      const json = (await this.http.getJson(`${this.#url("v1/models")}${query}`, headers, call)) as Partial<CohereModelList> | null;
      if (!Array.isArray(json?.models)) throw invalidCohereResponse("the model list has no models array", this.errorContext(undefined));
      listed.push(...json.models);
      token = typeof json.next_page_token === "string" && json.next_page_token !== "" ? json.next_page_token : undefined;
      if (!token) break;
    }
    const merged = mergeModelList(listed, this.#base);
    if (!this.#explicitModels) this.setModels(merged);
    this.#discovered = true;
    return merged;
  }

  // -- errors ----------------------------------------------------------------------------------------

  /**
   * Classifies any error. Besides ModelMesh errors, network and abort errors (cdk), objects carrying an HTTP
   * status and a Cohere error body — such as the official SDK's `CohereError` (`statusCode`, `body`) — are
   * classified with Cohere's rules (498 → auth, 402 → quota…).
   */
  override classifyError(error: unknown): ErrorClassification {
    return classifyCohereApiError(error, this.clock.now()) ?? super.classifyError(error);
  }

  // -- hooks -----------------------------------------------------------------------------------------

  /** `Authorization: Bearer <key>` and JSON content type (cdk), `accept`, `x-client-name` when configured, then the configured headers. */
  protected override buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json", ...super.buildHeaders() };
    if (this.config.clientName) headers["x-client-name"] = this.config.clientName;
    for (const [name, value] of Object.entries(this.config.headers ?? {})) {
      delete headers[name];
      headers[name.toLowerCase()] = value;
    }
    return headers;
  }

  /** Converts an OpenAI request into the v2 chat body. Override for vendor quirks. */
  protected planRequest(request: ChatCompletionRequest, stream: boolean): CohereRequestPlan {
    return convertToCohereRequest(request, { stream });
  }

  /** Cohere error bodies and statuses (see `cohere-error-mapping.ts`). */
  protected override toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return cohereHttpError(status, headers, body, this.errorContext(model), this.clock.now());
  }

  /** The configured transport, else fetch; routed through `proxyUrl` when set. */
  protected override createTransport(configured: Transport | undefined): Transport {
    return withProxyUrl(configured ?? createFetchTransport(), this.config.proxyUrl);
  }

  /**
   * Adds Cohere's trial call-allowance headers to the limits every response reports (cdk reads `x-ratelimit-*`
   * and `Retry-After`; those win). Without an `onResponse` listener nothing is read.
   */
  protected override resolveCall(options: Partial<CallOptions>): ResolvedCall {
    const call = super.resolveCall(options);
    const forward = call.onResponse;
    if (!forward) return call;
    return {
      ...call,
      onResponse: (meta) => {
        const limits = readCohereRateLimits(meta.headers);
        forward(limits ? { ...meta, rateLimit: { ...limits, ...meta.rateLimit } } : meta);
      },
    };
  }

  // -- internals -------------------------------------------------------------------------------------

  #plan(request: ChatCompletionRequest, stream: boolean, call: ResolvedCall): CohereRequestPlan {
    let plan: CohereRequestPlan;
    try {
      plan = this.planRequest(request, stream);
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
    this.#warn(call, plan.warnings);
    return plan;
  }

  #warn(call: ResolvedCall, warnings: readonly string[]): void {
    if (!call.onWarning) return;
    for (const warning of warnings) {
      try {
        call.onWarning(warning);
      } catch {
        // A failing listener must not fail the request.
      }
    }
  }

  /** `{baseUrl}/v2/chat`, `{baseUrl}/v2/embed`, `{baseUrl}/v1/models` (the base URL has no version, as in the SDK). */
  #url(endpoint: "v2/chat" | "v2/embed" | "v1/models"): string {
    return `${this.config.baseUrl}/${endpoint}`;
  }

  #now(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}
