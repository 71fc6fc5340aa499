import type { CallOptions, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ModelInfo } from "@modelmesh/core";
import { BaseProvider } from "./base-provider.js";
import type { ProviderConfig } from "./provider-config.js";
import { ProviderInitError } from "./provider-init-error.js";

/**
 * The minimal provider: `baseUrl` + `apiKey`. When no models are configured, `await provider.init()` discovers
 * them with `GET {baseUrl}/models`; `complete`, `stream` and `listModels` call `init()` on
 * first use. Discovery runs once; a failed discovery rejects with `ProviderInitError` and is retried by the
 * next call (a transient failure must not poison the instance).
 * @example
 * const provider = new QuickProvider({ baseUrl: "http://127.0.0.1:11434/v1", apiKey: "ollama" });
 * await provider.init();
 * console.log((await provider.listModels()).map((m) => m.id));
 */
export class QuickProvider<C extends ProviderConfig = ProviderConfig> extends BaseProvider<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "modelmesh.quick-provider.v1";

  #initialised: boolean;
  #pending: Promise<void> | undefined;

  constructor(config: C) {
    super(config);
    this.#initialised = (config.models?.length ?? 0) > 0;
  }

  /** Discovers the models unless they were configured or already discovered. Concurrent calls share one request. */
  init(options: Partial<CallOptions> = {}): Promise<void> {
    if (this.#initialised) return Promise.resolve();
    this.#pending ??= this.#discover(options).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #discover(options: Partial<CallOptions>): Promise<void> {
    let models: ModelInfo[];
    // Only the signal and timeouts apply: `onResponse` belongs to the call that triggered initialisation.
    const discovery: Partial<CallOptions> = {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    };
    try {
      models = await this.discoverModels(discovery);
    } catch (error) {
      throw new ProviderInitError({ provider: this.id, reason: "model discovery (GET /models) failed", cause: error });
    }
    this.setModels(models);
    this.#initialised = true;
  }

  /** Initialises on first use, then completes. */
  override async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    await this.init(options);
    return super.complete(request, options);
  }

  /** Initialises on first use, then streams. */
  override async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    await this.init(options);
    yield* super.stream(request, options);
  }

  /** Initialises on first use, then lists the (discovered) models. */
  override async listModels(): Promise<ModelInfo[]> {
    await this.init();
    return super.listModels();
  }
}
