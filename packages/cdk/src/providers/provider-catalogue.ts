import {
  ModelMeshError,
  formatMessage,
  systemClock,
  type Clock,
  type ErrorClassification,
  type ModelInfo,
  type ModelPricing,
  type QuotaStatus,
  type RateLimitStatus,
  type TokenUsage,
} from "@modelmesh/core";
import { sanitizeUpstreamText } from "../helpers/upstream-text.js";
import { isSecretHeader, scrubSecrets } from "../transport/redact-headers.js";
import { CHAT_COMPLETION, providerConfigFromYaml, type ProviderConfig } from "./provider-config.js";
import { classifyAnyError, type ErrorContext } from "./provider-errors.js";
import { UsageLedger } from "./usage-ledger.js";
import { capabilitiesOf, servesCapability } from "./wire-helpers.js";

/**
 * The descriptive half of a provider: identity, config, catalogue, capabilities, usage / quota / pricing
 * accounting and error classification. `ProviderBase` adds the execution half (HTTP, SSE, hooks) on top.
 */
export abstract class ProviderCatalogue<C extends ProviderConfig = ProviderConfig> {
  /** Connector id used when the config names none; subclasses set their own. */
  static readonly CONNECTOR_ID: string = "modelmesh.openai-compatible.v1";

  /**
   * Builds an instance from the snake_case YAML block (`{base_url, api_key, auth, models, …}`); `extras`
   * supplies what YAML cannot (transport, clock, instance id).
   * @throws ConfigError naming every invalid path.
   * @example
   * const provider = BaseProvider.fromConfig({ base_url: "https://my-proxy.internal/v1", auth: { api_key: key } }, { id: "my-proxy" });
   */
  static fromConfig<T>(
    // The concrete class's config type is a superset of ProviderConfig; it is validated at run time.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    this: new (config: any) => T,
    block: unknown,
    extras: Partial<ProviderConfig> & Record<string, unknown> = {},
  ): T {
    return new this({ ...providerConfigFromYaml(block), ...extras });
  }

  /** Spec version of the provider contract. */
  readonly specificationVersion = "v1" as const;
  /** Instance id (the provider's name in the config). */
  readonly id: string;
  /** Connector id this instance was built from. */
  readonly connectorId: string;
  /** The validated config (camelCase; `baseUrl` without trailing slash). */
  protected readonly config: C;
  /** Time source. */
  protected readonly clock: Clock;
  /** Usage, cost and learned rate limits. */
  protected readonly ledger = new UsageLedger();
  #models: ModelInfo[];

  constructor(config: C) {
    if (typeof config?.baseUrl !== "string" || config.baseUrl === "") {
      throw new ModelMeshError({
        code: "MM_CONFIG_INVALID",
        category: "config",
        message: formatMessage("provider", "baseUrl is required", "Set base_url, including the version prefix (https://host/v1)"),
      });
    }
    this.config = { ...config, baseUrl: config.baseUrl.replace(/\/+$/, "") };
    this.clock = config.clock ?? systemClock;
    this.id = config.id ?? safeHost(this.config.baseUrl);
    this.connectorId = config.connectorId ?? (this.constructor as { CONNECTOR_ID?: string }).CONNECTOR_ID ?? ProviderCatalogue.CONNECTOR_ID;
    this.#models = (config.models ?? []).map((model) => ({ ...model }));
  }

  // -- capabilities and catalogue ----------------------------------------------------------------------

  /** Configured capabilities, else the union of the models' capabilities, else chat completion. */
  getCapabilities(): string[] {
    if (this.config.capabilities && this.config.capabilities.length > 0) return [...this.config.capabilities];
    const fromModels = capabilitiesOf(this.#models);
    return fromModels.length > 0 ? fromModels : [CHAT_COMPLETION];
  }

  /** True when a capability or one of its descendants is served (`generation.text-generation` is, by chat). */
  supports(capability: string): boolean {
    return servesCapability(this.getCapabilities(), capability);
  }

  /** The models of this provider (configured or discovered). */
  async listModels(): Promise<ModelInfo[]> {
    return this.#models.map((model) => ({ ...model }));
  }

  /** One model; rejects with `MM_UNKNOWN_MODEL` (category `invalid_request`) when it is not in {@link listModels}. */
  async getModelInfo(modelId: string): Promise<ModelInfo> {
    const models = await this.listModels();
    const model = models.find((candidate) => candidate.id === modelId);
    if (model) return model;
    const known = models.slice(0, 10).map((m) => m.id).join(", ") || "none";
    throw new ModelMeshError({
      code: "MM_UNKNOWN_MODEL",
      category: "invalid_request",
      provider: this.id,
      model: modelId,
      message: formatMessage(`provider ${this.id}`, `unknown model "${modelId}"`, `Known models: ${known}`),
    });
  }

  /** Replaces the catalogue (used after discovery). */
  protected setModels(models: readonly ModelInfo[]): void {
    this.#models = models.map((model) => ({ ...model }));
  }

  // -- quota, pricing, usage ---------------------------------------------------------------------------

  /** Requests, tokens and cost through this instance, plus the request quota the vendor last reported. */
  async checkQuota(): Promise<QuotaStatus> {
    return this.ledger.quota();
  }

  /** The rate limits learned from the last response headers. */
  async getRateLimits(): Promise<RateLimitStatus> {
    return this.ledger.rateLimits();
  }

  /** Prices of a model (USD per 1M tokens), or undefined when unknown. */
  async getPricing(modelId: string): Promise<ModelPricing | undefined> {
    const pricing = this.#models.find((model) => model.id === modelId)?.pricing;
    return pricing ? { ...pricing } : undefined;
  }

  /** Records a successful call: one request, its tokens, and its cost from the model's per-1M pricing. */
  reportUsage(modelId: string, usage: TokenUsage): void {
    this.ledger.record(modelId, usage, this.#models.find((model) => model.id === modelId)?.pricing);
  }

  // -- errors ------------------------------------------------------------------------------------------

  /**
   * Classifies any error into a routing category: ModelMesh errors keep theirs; `AbortError`/timeouts →
   * `timeout`; socket/DNS/TLS codes → `network`; objects with an HTTP `status` → core's classifier.
   */
  classifyError(error: unknown): ErrorClassification {
    return classifyAnyError(error, this.clock.now());
  }

  /** Shorthand for `classifyError(error).retryable`. */
  isRetryable(error: unknown): boolean {
    return this.classifyError(error).retryable;
  }

  /**
   * Provider id, model and the scrubbers of upstream text: `scrub` (for messages) removes the API key and
   * secret config headers, then URLs, addresses and header dumps, and cuts the text to 300 characters;
   * `redact` (for `metadata.upstreamBody`) removes the secrets only.
   */
  protected errorContext(model: string | undefined): ErrorContext {
    const secretHeaders = Object.entries(this.config.headers ?? {}).filter(([name]) => isSecretHeader(name));
    const secrets = [this.config.apiKey, ...secretHeaders.map(([, value]) => value)];
    const redact = (text: string) => scrubSecrets(text, secrets);
    return { provider: this.id, ...(model !== undefined ? { model } : {}), scrub: (text) => sanitizeUpstreamText(redact(text)), redact };
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host || "provider";
  } catch {
    return "provider";
  }
}
