import { HttpProviderBase, createFetchTransport, withProxyUrl, type ProviderConfig, type ResolvedCall, type Transport } from "@modelmesh/cdk";
import {
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ErrorClassification,
  type ModelInfo,
  type ProviderError,
} from "@modelmesh/core";
import { convertToAnthropicRequest, type AnthropicRequestPlan } from "./anthropic-chat-mapping.js";
import { ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, type AnthropicProviderConfig } from "./anthropic-config.js";
import {
  ANTHROPIC_CONNECTOR_ID,
  anthropicHttpError,
  anthropicStreamError,
  classifyAnthropicApiError,
  invalidAnthropicResponse,
  readAnthropicRateLimits,
} from "./anthropic-error-mapping.js";
import { FALLBACK_MAX_TOKENS, findCatalogueModel, mergeModelList, withCatalogueDefaults } from "./anthropic-models.js";
import { convertFromAnthropicMessage } from "./anthropic-response-mapping.js";
import { anthropicChatStream, anthropicJsonStream } from "./anthropic-stream-mapping.js";
import type { AnthropicModelList } from "./anthropic-wire.js";

/** The config after defaults: a base URL is always set. */
type ResolvedConfig = AnthropicProviderConfig & ProviderConfig;

/** Pages of `GET /v1/models` followed at most (1000 models each). */
const MAX_MODEL_PAGES = 10;

/**
 * The Anthropic Messages API as a ModelMesh provider (`anthropic.claude.v1`). I/O and orchestration only:
 * requests are translated by `anthropic-chat-mapping.ts`, responses by `anthropic-response-mapping.ts`, streams
 * by `anthropic-stream-mapping.ts` and errors by `anthropic-error-mapping.ts`. Sending, size limits, SSE parsing,
 * stream end rules and classification come from cdk's protocol-neutral `HttpProviderBase` (fetch transport by
 * default; pass `transport` — e.g. cdk/node's undici transport — to change it). The Anthropic API has no
 * embeddings, images or audio, so this class has no such methods: the router answers those requests with
 * `MM_NOT_SUPPORTED` (docs/ARCHITECTURE.md §2.14).
 * @example
 * const claude = new AnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY });
 * const answer = await claude.complete({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
 */
export class AnthropicProvider extends HttpProviderBase<ResolvedConfig> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = ANTHROPIC_CONNECTOR_ID;

  readonly #explicitModels: boolean;
  /** The configured models completed from the catalogue (or the catalogue): what discovery merges into. */
  readonly #base: readonly ModelInfo[];
  #known: ModelInfo[];
  #discovery: Promise<ModelInfo[]> | undefined;
  #discovered = false;

  constructor(config: AnthropicProviderConfig = {}) {
    const models = withCatalogueDefaults(config.models);
    super({ ...config, baseUrl: config.baseUrl || ANTHROPIC_BASE_URL, models });
    this.#explicitModels = (config.models?.length ?? 0) > 0;
    this.#base = models;
    this.#known = models;
  }

  // -- execution -------------------------------------------------------------------------------------

  /** `POST /v1/messages`; the answer is mapped to an OpenAI chat completion. */
  override async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    const plan = this.#plan(request, false);
    const json = await this.http.postJson(this.#url("messages"), this.requestHeaders(call), plan.body, call, request.model);
    const context = this.errorContext(request.model);
    // A proxy may answer a failure with a 200 error envelope: classify it like the HTTP error it stands for.
    if ((json as { type?: unknown })?.type === "error") throw anthropicStreamError(json, context, this.clock.now(), "body");
    return convertFromAnthropicMessage(json, { created: this.#now(), errorContext: context, ...(plan.jsonTool ? { jsonTool: plan.jsonTool } : {}) });
  }

  /**
   * Streams `POST /v1/messages` with `stream: true` as OpenAI chunks ending with a usage-only chunk. The first
   * `next()` sends the request; HTTP errors surface there. An `error` event, a cut or a stall throws; a
   * malformed event is skipped and reported through `options.onWarning`, and the third one in a stream throws
   * (cdk's `chatStream`). The stream ends at `message_stop` (or cleanly at the body's end after a stop reason).
   */
  override async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    const call = this.resolveCall(options);
    const plan = this.#plan(request, true);
    const headers = { ...this.requestHeaders(call), accept: "text/event-stream" };
    const opened = await this.http.openStream(this.#url("messages"), headers, plan.body, call, request.model);
    const { response, startedAt } = opened;
    const context = this.errorContext(request.model);
    const streamContext = { created: this.#now(), model: request.model, ...(plan.jsonTool ? { jsonTool: plan.jsonTool } : {}) };
    try {
      const timing = { idleMs: call.timeouts.idleMs, clock: this.clock, cancel: () => response.cancel(), context, stream: streamContext };
      // Skipped malformed events are reported to the router (the routing trace's warnings).
      const warnings = call.onWarning ? { onWarning: call.onWarning } : {};
      // An upstream (or proxy) that answers a stream request with JSON: an error envelope or a whole message.
      const chunks = /json/i.test(response.headers["content-type"] ?? "")
        ? anthropicJsonStream(response.text(), timing)
        : anthropicChatStream(response.body, { ...timing, ...warnings, firstTokenMs: call.timeouts.firstTokenMs, startedAt, maxEventSize: this.http.limits(call).maxEventBytes });
      yield* chunks;
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    } finally {
      opened.dispose();
      await response.cancel();
    }
  }

  // -- catalogue -------------------------------------------------------------------------------------

  /**
   * The configured models (completed from the catalogue), or the default catalogue. With `discoverModels:
   * true` the first call asks `GET /v1/models` and merges the answer with the catalogue (errors propagate
   * and the next call asks again).
   */
  override async listModels(): Promise<ModelInfo[]> {
    if (this.config.discoverModels && !this.#discovered) {
      this.#discovery ??= this.discoverModels().finally(() => (this.#discovery = undefined));
      await this.#discovery;
    }
    return super.listModels();
  }

  /**
   * `GET /v1/models` (following `has_more` pages), merged with the catalogue: listed models take their
   * catalogue entry (by id or alias), unknown ones what the API reports. Replaces the served list unless the
   * config lists its models explicitly.
   */
  async discoverModels(options: Partial<CallOptions> = {}): Promise<ModelInfo[]> {
    const call = this.resolveCall(options);
    const headers = this.requestHeaders(call);
    delete headers["content-type"];
    const listed: AnthropicModelList["data"] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `?limit=1000${after ? `&after_id=${encodeURIComponent(after)}` : ""}`;
      const json = (await this.http.getJson(`${this.#url("models")}${query}`, headers, call)) as Partial<AnthropicModelList> | null;
      if (!Array.isArray(json?.data)) throw invalidAnthropicResponse("the model list has no data array", this.errorContext(undefined));
      listed.push(...json.data);
      if (!json.has_more || !json.last_id) break;
      after = json.last_id;
    }
    const merged = mergeModelList(listed, this.#base);
    if (!this.#explicitModels) this.setModels(merged);
    this.#discovered = true;
    return merged;
  }

  /** Keeps the synchronous copy used to size `max_tokens` in step with the served list. */
  protected override setModels(models: readonly ModelInfo[]): void {
    super.setModels(models);
    this.#known = models.map((model) => ({ ...model }));
  }

  // -- errors ----------------------------------------------------------------------------------------

  /**
   * Classifies any error. Besides ModelMesh errors, network and abort errors (cdk), objects carrying an HTTP
   * `status` and an Anthropic error body — such as the official SDK's `APIError` — are classified by their
   * Anthropic error type (so `overloaded_error` is `server`, billing wording `quota_exhausted`).
   */
  override classifyError(error: unknown): ErrorClassification {
    return classifyAnthropicApiError(error, this.clock.now()) ?? super.classifyError(error);
  }

  // -- hooks -----------------------------------------------------------------------------------------

  /**
   * `x-api-key` (or `Authorization: Bearer` with `authScheme: "bearer"`), `anthropic-version` (default
   * `2023-06-01`), `anthropic-beta` when betas are configured,
   * `anthropic-dangerous-direct-browser-access: true` only when configured, then the configured headers.
   */
  protected override buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "content-type": "application/json",
      "anthropic-version": this.config.anthropicVersion ?? ANTHROPIC_VERSION,
    };
    if (this.config.apiKey && this.config.authScheme === "bearer") headers.authorization = `Bearer ${this.config.apiKey}`;
    else if (this.config.apiKey) headers["x-api-key"] = this.config.apiKey;
    if (this.config.betas && this.config.betas.length > 0) headers["anthropic-beta"] = this.config.betas.join(",");
    if (this.config.dangerouslyAllowBrowser) headers["anthropic-dangerous-direct-browser-access"] = "true";
    for (const [name, value] of Object.entries(this.config.headers ?? {})) headers[name.toLowerCase()] = value;
    return headers;
  }

  /**
   * Converts an OpenAI request into the Messages API body. `max_tokens` defaults to `defaultMaxTokens`, else the
   * model's `maxOutputTokens` (catalogue or config), else 4096. Override for vendor quirks.
   */
  protected planRequest(request: ChatCompletionRequest, stream: boolean): AnthropicRequestPlan {
    const model = findCatalogueModel(request.model, this.#known);
    return convertToAnthropicRequest(request, {
      defaultMaxTokens: this.config.defaultMaxTokens ?? model?.maxOutputTokens ?? FALLBACK_MAX_TOKENS,
      ...(this.config.structuredOutput ? { structuredOutput: this.config.structuredOutput } : {}),
      stream,
    });
  }

  /** Anthropic error bodies and types (see `anthropic-error-mapping.ts`). */
  protected override toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return anthropicHttpError(status, headers, body, this.errorContext(model), this.clock.now());
  }

  /** The configured transport, else fetch; routed through `proxyUrl` when set. */
  protected override createTransport(configured: Transport | undefined): Transport {
    return withProxyUrl(configured ?? createFetchTransport(), this.config.proxyUrl);
  }

  /**
   * Adds Anthropic's rate-limit headers to the limits every response reports: cdk reads `x-ratelimit-*` and
   * `Retry-After`; here `anthropic-ratelimit-*` is merged into `onResponse`'s `rateLimit`, from which the
   * router learns them into the mesh's state ledger. Without an `onResponse` listener nothing is read.
   */
  protected override resolveCall(options: Partial<CallOptions>): ResolvedCall {
    const call = super.resolveCall(options);
    const forward = call.onResponse;
    if (!forward) return call;
    return {
      ...call,
      onResponse: (meta) => {
        const limits = readAnthropicRateLimits(meta.headers, this.clock.now());
        forward(limits ? { ...meta, rateLimit: { ...meta.rateLimit, ...limits } } : meta);
      },
    };
  }

  // -- internals -------------------------------------------------------------------------------------

  #plan(request: ChatCompletionRequest, stream: boolean): AnthropicRequestPlan {
    try {
      return this.planRequest(request, stream);
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
  }

  /** `{baseUrl}/v1/messages` and `{baseUrl}/v1/models` (the base URL has no version prefix, as in the SDK). */
  #url(endpoint: "messages" | "models"): string {
    return `${this.config.baseUrl}/v1/${endpoint}`;
  }

  #now(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}
