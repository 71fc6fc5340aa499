import { ConfigError, systemClock, type Clock, type ErrorClassification, type ModelInfo } from "@modelmesh/core";
import { sanitizeUpstreamText } from "../helpers/upstream-text.js";
import { isSecretHeader, scrubSecrets } from "../transport/redact-headers.js";
import { CHAT_COMPLETION, providerConfigFromYaml, type ProviderConfig } from "./provider-config.js";
import { classifyAnyError, type ErrorContext } from "./provider-errors.js";
import { capabilitiesOf } from "./wire-helpers.js";

/**
 * The descriptive half of a provider: identity, config, model catalogue, capabilities and error
 * classification. `HttpProviderBase` adds the protocol-neutral HTTP half on top, `ProviderBase` the OpenAI
 * protocol. Usage, cost and learned limits are not kept here: the router records them in the mesh's state
 * ledger (docs/ARCHITECTURE.md §2.14).
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
  #models: ModelInfo[];

  constructor(config: C) {
    if (typeof config?.baseUrl !== "string" || config.baseUrl === "") {
      throw new ConfigError({ issues: [{ path: "config.base_url", message: "required. Set base_url, including the version prefix (https://host/v1)" }] });
    }
    this.config = { ...config, baseUrl: config.baseUrl.replace(/\/+$/, "") };
    this.clock = config.clock ?? systemClock;
    this.id = config.id ?? safeHost(this.config.baseUrl);
    this.connectorId = config.connectorId ?? (this.constructor as { CONNECTOR_ID?: string }).CONNECTOR_ID ?? ProviderCatalogue.CONNECTOR_ID;
    this.#models = (config.models ?? []).map((model) => ({ ...model }));
  }

  // -- capabilities and catalogue ----------------------------------------------------------------------

  /**
   * The provider-level capabilities (the default of models that list none): configured `capabilities`, else
   * the union of the models' capabilities, else chat completion.
   */
  getCapabilities(): string[] {
    if (this.config.capabilities && this.config.capabilities.length > 0) return [...this.config.capabilities];
    const fromModels = capabilitiesOf(this.#models);
    return fromModels.length > 0 ? fromModels : [CHAT_COMPLETION];
  }

  /** The models of this provider (configured or discovered). */
  async listModels(): Promise<ModelInfo[]> {
    return this.#models.map((model) => ({ ...model }));
  }

  /** Replaces the catalogue (used after discovery). */
  protected setModels(models: readonly ModelInfo[]): void {
    this.#models = models.map((model) => ({ ...model }));
  }

  // -- errors ------------------------------------------------------------------------------------------

  /**
   * Classifies any error into a routing category: ModelMesh errors keep theirs; `AbortError`/timeouts →
   * `timeout`; socket/DNS/TLS codes → `network`; objects with an HTTP `status` → core's classifier.
   */
  classifyError(error: unknown): ErrorClassification {
    return classifyAnyError(error, this.clock.now());
  }

  /**
   * Provider id, model and the scrubbers of upstream text: `scrub` (for messages) removes the API key and
   * secret config headers, then URLs, addresses and header dumps, and cuts the text to 300 characters;
   * `redact` (for `metadata.upstreamBody`) removes the secrets only.
   */
  protected errorContext(model: string | undefined): ErrorContext {
    // Built once per model and kept while the key and headers stay the same: every request (and every held
    // stream) asks for it, so it is shared instead of allocated per call. At most 256 models are kept.
    const { apiKey, headers } = this.config;
    if (this.#contexts.apiKey !== apiKey || this.#contexts.headers !== headers) this.#contexts = { apiKey, headers, byModel: new Map() };
    const key = model ?? "";
    let context = this.#contexts.byModel.get(key);
    if (!context) {
      const secretHeaders = Object.entries(headers ?? {}).filter(([name]) => isSecretHeader(name));
      const secrets = [apiKey, ...secretHeaders.map(([, value]) => value)];
      const redact = (text: string) => scrubSecrets(text, secrets);
      context = Object.freeze({ provider: this.id, ...(model !== undefined ? { model } : {}), scrub: (text: string) => sanitizeUpstreamText(redact(text)), redact });
      if (this.#contexts.byModel.size >= 256) this.#contexts.byModel.clear();
      this.#contexts.byModel.set(key, context);
    }
    return context;
  }

  /** Error contexts by model, valid for one API key and header set (see `errorContext`). */
  #contexts: { apiKey: string | undefined; headers: Record<string, string> | undefined; byModel: Map<string, ErrorContext> } = { apiKey: undefined, headers: undefined, byModel: new Map() };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host || "provider";
  } catch {
    return "provider";
  }
}
