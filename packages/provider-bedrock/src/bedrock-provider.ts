import { HttpProviderBase, scrubSecrets, type ProviderConfig } from "@modelmesh/cdk";
import type { CallOptions, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse, ErrorClassification, ProviderError, ResponseMeta } from "@modelmesh/core";
import { convertToConverseRequest, type BedrockRequestPlan } from "./bedrock-chat-mapping.js";
import { BEDROCK_SIGNING_SERVICE, bedrockRuntimeUrl, checkBedrockConfig, regionOfUrl, type AwsCredentialsProvider, type BedrockProviderConfig } from "./bedrock-config.js";
import { BEDROCK_CONNECTOR_ID, bedrockHttpError, type BedrockErrorContext, classifyBedrockApiError, credentialsError, invalidBedrockResponse } from "./bedrock-error-mapping.js";
import { planEmbeddingCalls, readEmbeddings, toEmbeddingResponse } from "./bedrock-embeddings.js";
import { withCatalogueDefaults } from "./bedrock-models.js";
import { convertFromConverse } from "./bedrock-response-mapping.js";
import { bedrockChatStream } from "./bedrock-stream-mapping.js";
import { SigningKeyCache, signRequest, uriEscape, type AwsCredentials } from "./sigv4.js";

/** The config after defaults: a base URL is always set. */
type ResolvedConfig = BedrockProviderConfig & ProviderConfig;

/** An error context whose scrubbers also remove the AWS secrets. */
type ScrubbingContext = BedrockErrorContext & { provider: string; scrub: (text: string) => string };

/** Titan takes one text per call: at most this many calls of one request run at once. */
const EMBEDDING_CONCURRENCY = 8;

/** Temporary credentials are refreshed this long before they expire. */
const REFRESH_BEFORE_EXPIRY_MS = 60_000;

/**
 * AWS Bedrock's Converse API as a ModelMesh provider (`aws.bedrock.v1`). I/O and orchestration only: requests
 * are translated by `bedrock-chat-mapping.ts`, responses by `bedrock-response-mapping.ts`, ConverseStream's
 * binary event stream by `eventstream.ts` + `bedrock-stream-mapping.ts`, errors by `bedrock-error-mapping.ts`,
 * and every request is signed with SigV4 (`sigv4.ts`, web crypto) unless a Bedrock API key is configured.
 * Sending, size limits, stream end rules and classification come from cdk's `HttpProviderBase`. Converse has
 * no embeddings: `embed` uses InvokeModel with the Titan and Cohere embedding models (`bedrock-embeddings.ts`).
 * @example
 * const bedrock = new BedrockProvider({ region: "us-east-1", credentials: { accessKeyId: "AKIA…", secretAccessKey: "…" } });
 * const answer = await bedrock.complete({ model: "amazon.nova-pro-v1:0", messages: [{ role: "user", content: "Hi" }] });
 */
export class BedrockProvider extends HttpProviderBase<ResolvedConfig> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = BEDROCK_CONNECTOR_ID;

  readonly #region: string;
  readonly #keys = new SigningKeyCache();
  /** Credentials of the provider function, until they expire. */
  #cached: AwsCredentials | undefined;
  #pending: Promise<AwsCredentials> | undefined;
  /** Secrets to scrub from upstream text, besides the API key cdk already scrubs (replaced, never mutated). */
  #secrets: readonly string[] = [];
  /** Error contexts with the AWS secrets scrubbed, by cdk's base context. */
  readonly #contexts = new WeakMap<object, { secrets: readonly string[]; context: ScrubbingContext }>();

  constructor(config: BedrockProviderConfig) {
    checkBedrockConfig(config);
    const region = config.region ?? regionOfUrl(config.baseUrl) ?? "us-east-1";
    super({ ...config, baseUrl: config.baseUrl || bedrockRuntimeUrl(region), models: withCatalogueDefaults(config.models) });
    this.#region = region;
    const credentials = config.credentials;
    if (credentials && typeof credentials !== "function") this.#remember(credentials);
  }

  /** The AWS region requests are signed for. */
  get region(): string {
    return this.#region;
  }

  // -- execution -------------------------------------------------------------------------------------

  /** `POST /model/{modelId}/converse`; the answer is mapped to an OpenAI chat completion. */
  override async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    const plan = this.#plan(request);
    const url = this.#url(request.model, "converse");
    const headers = await this.#sign(url, this.requestHeaders(call), plan.body, request.model);
    const json = await this.http.postJson(url, headers, plan.body, call, request.model);
    return convertFromConverse(json, { id: completionId(), model: request.model, created: this.#now(), errorContext: this.errorContext(request.model), ...(plan.jsonTool ? { jsonTool: plan.jsonTool } : {}) });
  }

  /**
   * Streams `POST /model/{modelId}/converse-stream` as OpenAI chunks ending with a usage-only chunk. The first
   * `next()` sends the request; HTTP errors surface there. An exception frame, a bad CRC, a cut or a stall
   * throws; a frame whose payload is not JSON is skipped and reported through `options.onWarning` (the third
   * one throws, cdk's `chatStream`).
   */
  override async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    const call = this.resolveCall(options);
    const plan = this.#plan(request);
    const url = this.#url(request.model, "converse-stream");
    const headers = await this.#sign(url, this.requestHeaders(call), plan.body, request.model);
    const opened = await this.http.openStream(url, headers, plan.body, call, request.model);
    const { response, startedAt } = opened;
    const context = this.errorContext(request.model);
    try {
      const contentType = response.headers["content-type"] ?? "";
      if (/json/i.test(contentType)) {
        throw invalidBedrockResponse(`expected an application/vnd.amazon.eventstream body, got ${contentType.split(";")[0]}`, context);
      }
      yield* bedrockChatStream(response.body, {
        stream: { id: completionId(), model: request.model, created: this.#now(), ...(plan.jsonTool ? { jsonTool: plan.jsonTool } : {}) },
        clock: this.clock,
        context,
        cancel: () => response.cancel(),
        idleMs: call.timeouts.idleMs,
        firstTokenMs: call.timeouts.firstTokenMs,
        startedAt,
        maxMessageBytes: this.http.limits(call).maxEventBytes,
        ...(call.onWarning ? { onWarning: call.onWarning } : {}),
      });
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    } finally {
      opened.dispose();
      await response.cancel();
    }
  }

  /**
   * Embeddings through `POST /model/{modelId}/invoke` (Converse has none): Amazon Titan Text Embeddings (one
   * call per input, at most 8 at once) and Cohere Embed v3 (one call). Usage is Titan's
   * `inputTextTokenCount`, else the `x-amzn-bedrock-input-token-count` response header. See
   * `bedrock-embeddings.ts` for the bodies; other models are an `MM_INVALID_REQUEST`.
   */
  async embed(request: EmbeddingRequest, options: Partial<CallOptions> = {}): Promise<EmbeddingResponse> {
    let plan: ReturnType<typeof planEmbeddingCalls>;
    try {
      plan = planEmbeddingCalls(request);
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
    const base = this.resolveCall(options);
    const url = `${this.config.baseUrl}/model/${uriEscape(request.model)}/invoke`;
    const context = this.errorContext(request.model);
    const vectors: number[][] = [];
    let tokens = 0;
    const run = async (call: (typeof plan.calls)[number]) => {
      let headerTokens: number | undefined;
      const forward = base.onResponse;
      const resolved = {
        ...base,
        onResponse: (meta: ResponseMeta) => {
          const count = Number(meta.headers["x-amzn-bedrock-input-token-count"]);
          if (Number.isFinite(count)) headerTokens = count;
          forward?.(meta);
        },
      };
      const headers = await this.#sign(url, { ...this.requestHeaders(base), accept: "application/json" }, call.body, request.model);
      const json = await this.http.postJson(url, headers, call.body, resolved, request.model);
      const read = readEmbeddings(plan.family, json, call.indexes.length, context);
      call.indexes.forEach((index, at) => (vectors[index] = read.vectors[at]!));
      tokens += read.tokens ?? headerTokens ?? 0;
    };
    for (let start = 0; start < plan.calls.length; start += EMBEDDING_CONCURRENCY) {
      await Promise.all(plan.calls.slice(start, start + EMBEDDING_CONCURRENCY).map(run));
    }
    return toEmbeddingResponse(request.model, vectors, tokens);
  }

  // -- errors ----------------------------------------------------------------------------------------

  /** Classifies any error; errors of the official AWS SDK are classified by their exception type. */
  override classifyError(error: unknown): ErrorClassification {
    return classifyBedrockApiError(error, this.clock.now()) ?? super.classifyError(error);
  }

  // -- hooks -----------------------------------------------------------------------------------------

  /**
   * `content-type: application/json`, `Authorization: Bearer` with a Bedrock API key, then the configured
   * headers. Nothing else: every header sent is signed, and the AWS SDK sends no more than these.
   */
  protected override buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    for (const [name, value] of Object.entries(this.config.headers ?? {})) headers[name.toLowerCase()] = value;
    return headers;
  }

  /** Converts an OpenAI request into the Converse body. Override for vendor quirks. */
  protected planRequest(request: ChatCompletionRequest): BedrockRequestPlan {
    return convertToConverseRequest(request);
  }

  /** Bedrock exception types (see `bedrock-error-mapping.ts`). */
  protected override toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return bedrockHttpError(status, headers, body, this.errorContext(model), this.clock.now());
  }

  /** cdk's context, whose scrubbers also remove the AWS secret key and session token. */
  protected override errorContext(model: string | undefined): ScrubbingContext {
    const base = super.errorContext(model);
    const secrets = this.#secrets;
    if (secrets.length === 0) return base;
    // cdk keeps one base context per model: the wrapped one is kept next to it, for the current secrets.
    const kept = this.#contexts.get(base);
    if (kept && kept.secrets === secrets) return kept.context;
    const redact = (text: string) => scrubSecrets(base.redact ? base.redact(text) : text, secrets);
    const context: ScrubbingContext = Object.freeze({ ...base, redact, scrub: (text: string) => base.scrub(scrubSecrets(text, secrets)) });
    this.#contexts.set(base, { secrets, context });
    return context;
  }

  // -- internals -------------------------------------------------------------------------------------

  /** Adds the SigV4 headers (nothing with an API key: the bearer header is already there). */
  async #sign(url: string, headers: Record<string, string>, body: unknown, model: string): Promise<Record<string, string>> {
    if (this.config.apiKey) return headers;
    const credentials = await this.#credentials(model);
    const signed = await signRequest(
      { method: "POST", url, headers, body: JSON.stringify(body), credentials, region: this.#region, service: BEDROCK_SIGNING_SERVICE, now: this.clock.now(), contentSha256Header: true, signContentLength: true },
      this.#keys,
    );
    return { ...headers, ...signed.headers };
  }

  /** Static credentials, or the provider function's answer (shared by concurrent calls, kept until it expires). */
  async #credentials(model: string): Promise<AwsCredentials> {
    const source = this.config.credentials!;
    if (typeof source !== "function") return source;
    const cached = this.#cached;
    if (cached && (cached.expiration === undefined || cached.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS > this.clock.now())) return cached;
    this.#pending ??= this.#fetchCredentials(source, model).finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #fetchCredentials(source: AwsCredentialsProvider, model: string): Promise<AwsCredentials> {
    let credentials: AwsCredentials;
    try {
      credentials = await source();
    } catch (error) {
      throw credentialsError(`the credentials provider failed (${error instanceof Error ? error.name : typeof error})`, this.errorContext(model), error);
    }
    if (typeof credentials?.accessKeyId !== "string" || credentials.accessKeyId === "" || typeof credentials.secretAccessKey !== "string" || credentials.secretAccessKey === "") {
      throw credentialsError("the credentials provider returned no accessKeyId / secretAccessKey", this.errorContext(model));
    }
    this.#remember(credentials);
    this.#cached = credentials;
    return credentials;
  }

  #remember(credentials: AwsCredentials): void {
    this.#secrets = [credentials.secretAccessKey, ...(credentials.sessionToken ? [credentials.sessionToken] : [])];
  }

  #plan(request: ChatCompletionRequest): BedrockRequestPlan {
    try {
      return this.planRequest(request);
    } catch (error) {
      throw this.http.contextualize(error, request.model);
    }
  }

  /** `{baseUrl}/model/{modelId}/{operation}`, the model id encoded as the AWS SDK does (`:` → `%3A`, `/` → `%2F`). */
  #url(model: string, operation: "converse" | "converse-stream"): string {
    return `${this.config.baseUrl}/model/${uriEscape(model)}/${operation}`;
  }

  #now(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

/** A completion id (Converse answers carry none). */
function completionId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  const random = typeof crypto?.randomUUID === "function" ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  return `chatcmpl-bedrock-${random}`;
}
