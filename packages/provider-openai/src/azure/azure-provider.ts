import {
  ConfigError,
  type CallOptions,
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
import { checkProviderConfig, type EndpointKind, type Transport } from "@modelmesh/cdk";
import { CHAT_COMPLETION } from "../openai-capabilities.js";
import { OPENAI_MODELS } from "../openai-models.js";
import { OpenAIProvider, type OpenAIProviderConfig } from "../openai-provider.js";
import { cloneModel, inferCapabilities } from "../openai-response-mapping.js";
import { AZURE_OPENAI_DEFAULT_API_VERSION, AZURE_OPENAI_V1, azureOperationUrl, deploymentFor, normalizeEndpoint, type AzureOperationPath } from "./azure-addressing.js";
import { withAzureADToken, type AzureADTokenProvider } from "./azure-auth.js";

/** camelCase config of {@link AzureOpenAIProvider}. Exactly one of `apiKey`, `azureADToken`, `azureADTokenProvider`. */
export interface AzureOpenAIProviderConfig extends Omit<OpenAIProviderConfig, "baseUrl" | "apiKey" | "organization" | "project" | "quirks"> {
  /** Resource endpoint without `/openai`: `https://<resource>.openai.azure.com` (or an APIM gateway URL). */
  endpoint: string;
  /** Data-plane `api-version`, default `2024-10-21` (GA); `"v1"` selects the version-less v1 API. */
  apiVersion?: string;
  /** Model id (what pools and requests name) → deployment name. A model not listed is its own deployment. */
  deployments?: Record<string, string>;
  /** Resource key, sent as `api-key`. Never appears in errors. */
  apiKey?: string;
  /** A fixed Entra ID access token, sent as `Authorization: Bearer` (it expires: prefer the provider). */
  azureADToken?: string;
  /** Returns an Entra ID access token; called once per request (the official SDK's option of that name). */
  azureADTokenProvider?: AzureADTokenProvider;
}

/** Maps an endpoint kind of the base class to its OpenAI path. */
const PATHS: Readonly<Record<EndpointKind, AzureOperationPath>> = {
  chat: "/chat/completions",
  embeddings: "/embeddings",
  images: "/images/generations",
  speech: "/audio/speech",
  transcriptions: "/audio/transcriptions",
  models: "/models",
};

/** The catalogue of an Azure config: `models`, else one entry per deployed model id (sizes and features borrowed from OpenAI's table, prices not). */
function azureModels(config: AzureOpenAIProviderConfig): ModelInfo[] {
  if (config.models?.length) return config.models.map(cloneModel);
  return Object.keys(config.deployments ?? {}).map((id) => {
    const known = OPENAI_MODELS.find((model) => model.id === id);
    if (known) {
      const { pricing: _pricing, ...rest } = cloneModel(known);
      return rest;
    }
    const inferred = inferCapabilities(id);
    return { id, capabilities: inferred.length > 0 ? inferred : [CHAT_COMPLETION] };
  });
}

function credentialIssues(config: AzureOpenAIProviderConfig): string | undefined {
  const given = [config.apiKey, config.azureADToken, config.azureADTokenProvider].filter((value) => value !== undefined && value !== "").length;
  if (given === 1) return undefined;
  return given === 0 ? "Azure OpenAI needs a credential: apiKey, azureADToken or azureADTokenProvider" : "set exactly one of apiKey, azureADToken and azureADTokenProvider";
}

/**
 * Azure OpenAI (`azure.openai.v1`): OpenAI's wire format, mapping and error classification (the
 * `OpenAIProvider` it extends) with Azure's addressing and authentication:
 * - URLs per deployment (`/openai/deployments/{deployment}/…?api-version=…`) or the v1 API (`/openai/v1/…`,
 *   the deployment named by the body's `model`), see `azure-addressing.ts`;
 * - `api-key: <key>`, or `Authorization: Bearer <Entra ID token>` (a fixed token, or a token provider asked
 *   per request through the transport, see `azure-auth.ts`);
 * - content filtering (`finish_reason: "content_filter"`, `prompt_filter_results`, `content_filter_results`)
 *   passes through; a 400 `content_filter` and 429 `retry-after-ms` are classified by `openai-error-mapping.ts`.
 * The deployment URL depends on the request's model, which the base class does not hand to its endpoint hook:
 * each call records its model in `#model` right before the base class builds the URL in the same synchronous
 * step (no `await` in between, so concurrent calls cannot interleave there).
 * @example
 * const azure = new AzureOpenAIProvider({ endpoint: "https://my-resource.openai.azure.com", apiKey: key, deployments: { "gpt-4o": "gpt4o-prod" } });
 * const answer = await azure.complete({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] });
 */
export class AzureOpenAIProvider extends OpenAIProvider<AzureOpenAIProviderConfig & OpenAIProviderConfig> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "azure.openai.v1";

  readonly #endpoint: string;
  readonly #apiVersion: string;
  readonly #deployments: Readonly<Record<string, string>>;
  readonly #auth: Readonly<Record<string, string>>;
  readonly #tokenProvider: AzureADTokenProvider | undefined;
  /** The model of the call whose URL is being built (see the class comment). */
  #model: string | undefined;

  /** @throws ConfigError when the endpoint is missing or invalid, not exactly one credential is given, nothing is deployed, or a shared key is invalid. */
  constructor(config: AzureOpenAIProviderConfig) {
    const problem = credentialIssues(config);
    const normalized = typeof config.endpoint === "string" ? normalizeEndpoint(config.endpoint) : { problem: "Invalid input: expected the resource endpoint URL" };
    const issues = [
      ...("problem" in normalized ? [{ path: "config.endpoint", message: normalized.problem }] : []),
      ...(problem ? [{ path: "config.apiKey", message: problem }] : []),
      ...(config.models?.length || Object.keys(config.deployments ?? {}).length
        ? []
        : [{ path: "config.deployments", message: "Azure OpenAI serves deployed models only: list them in deployments (model id → deployment name) or models" }]),
    ];
    if (issues.length > 0 || "problem" in normalized) throw new ConfigError({ issues });
    const endpoint = normalized.endpoint;
    const apiVersion = config.apiVersion ?? AZURE_OPENAI_DEFAULT_API_VERSION;
    // The shared keys (models, headers, timeoutMs, transport…) by the CDK's typed check; values never echoed.
    checkProviderConfig({ ...config, baseUrl: `${endpoint}/openai`, apiKey: undefined });
    // The key (or fixed token) stays in `apiKey` so the base class scrubs it from upstream error text; the
    // headers carrying it are built here.
    const secret = config.apiKey || config.azureADToken;
    super({
      connectorId: AzureOpenAIProvider.CONNECTOR_ID,
      ...config,
      baseUrl: apiVersion === AZURE_OPENAI_V1 ? `${endpoint}/openai/v1` : `${endpoint}/openai`,
      ...(secret ? { apiKey: secret } : {}),
      models: azureModels(config),
    });
    this.#endpoint = endpoint;
    this.#apiVersion = apiVersion;
    this.#deployments = { ...config.deployments };
    this.#tokenProvider = config.azureADTokenProvider;
    this.#auth = config.apiKey ? { "api-key": config.apiKey } : config.azureADToken ? { authorization: `Bearer ${config.azureADToken}` } : {};
  }

  /** The deployment that serves `model` (its `deployments` entry, else the id itself). */
  deploymentFor(model: string): string {
    return deploymentFor(model, this.#deployments);
  }

  /** No `GET /models`: Azure lists the resource's base models there, not its deployments; the configured catalogue is returned. */
  override async discoverModels(_options: Partial<CallOptions> = {}): Promise<ModelInfo[]> {
    return this.listModels();
  }

  /** `POST …/embeddings` of the model's deployment. */
  override embed(request: EmbeddingRequest, options: Partial<CallOptions> = {}): Promise<EmbeddingResponse> {
    return this.#at(request.model, () => super.embed(this.#inBody(request), options));
  }

  /** `POST …/images/generations` of the model's deployment. */
  override generateImage(request: ImageGenerationRequest, options: Partial<CallOptions> = {}): Promise<ImagesResponse> {
    const model = request.model ?? undefined;
    return this.#at(model, () => super.generateImage(model === undefined ? request : this.#inBody({ ...request, model }), options));
  }

  /** `POST …/audio/speech` of the model's deployment. */
  override speech(request: SpeechRequest, options: Partial<CallOptions> = {}): Promise<SpeechResponse> {
    return this.#at(request.model, () => super.speech(this.#inBody(request), options));
  }

  /** `POST …/audio/transcriptions` of the model's deployment. */
  override transcribe(request: TranscriptionRequest, options: Partial<CallOptions> = {}): Promise<TranscriptionResponse> {
    return this.#at(request.model, () => super.transcribe(this.#inBody(request), options));
  }

  /** `content-type`, the credential header (`api-key` or a fixed bearer token), then the configured headers. */
  protected override buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json", ...this.#auth };
    return this.config.headers ? { ...headers, ...this.config.headers } : headers;
  }

  /** The base transport, wrapped to add an Entra ID token per request when a token provider is configured. */
  protected override createTransport(configured: Transport | undefined): Transport {
    const inner = super.createTransport(configured);
    return this.#tokenProvider ? withAzureADToken(inner, this.#tokenProvider, () => this.id, inner !== configured) : inner;
  }

  /** OpenAI's payload; records the model for the URL, and on the v1 API names the deployment in `model`. */
  protected override buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    const payload = super.buildRequestPayload(request);
    this.#model = request.model;
    if (this.#apiVersion === AZURE_OPENAI_V1) payload.model = this.deploymentFor(request.model);
    return payload;
  }

  /** The URL of an operation: per deployment (the model recorded for this call) or on the v1 API. */
  protected override getEndpoint(kind: EndpointKind): string {
    const model = this.#model;
    this.#model = undefined;
    const deployment = model !== undefined ? this.deploymentFor(model) : undefined;
    return azureOperationUrl(this.#endpoint, this.#apiVersion, PATHS[kind], deployment);
  }

  /** Runs `call` (whose synchronous part builds the URL) with `model` recorded; see the class comment. */
  #at<T>(model: string | undefined, call: () => T): T {
    this.#model = model;
    try {
      return call();
    } finally {
      this.#model = undefined;
    }
  }

  /** On the v1 API the body's `model` names the deployment; the deployment form keeps the caller's model. */
  #inBody<R extends { model: string }>(request: R): R {
    return this.#apiVersion === AZURE_OPENAI_V1 ? { ...request, model: this.deploymentFor(request.model) } : request;
  }
}
