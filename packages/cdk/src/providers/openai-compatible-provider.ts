import { BaseProvider } from "./base-provider.js";
import type { ProviderConfig } from "./provider-config.js";

/** Config of {@link OpenAICompatibleProvider}. */
export interface OpenAICompatibleConfig extends ProviderConfig {
  /** Sent as `OpenAI-Organization` when set. */
  organization?: string;
  /** Sent as `OpenAI-Project` when set. */
  project?: string;
}

/** Default base URL when none is configured. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * A provider for any API that follows the OpenAI chat-completions spec (OpenAI, Azure OpenAI with a header
 * override, Groq `…/openai/v1`, Together, OpenRouter `…/api/v1`, vLLM, Ollama…): configuration only.
 * `baseUrl` includes the version prefix and defaults to `https://api.openai.com/v1`.
 * @example
 * const provider = OpenAICompatibleProvider.fromConfig({
 *   base_url: "https://my-proxy.internal/v1",
 *   auth: { method: "api_key", api_key: key },
 *   models: [{ id: "gpt-4o", capabilities: ["generation.text-generation.chat-completion"], context_window: 128000 }],
 * }, { id: "my-openai-proxy" });
 */
export class OpenAICompatibleProvider<C extends OpenAICompatibleConfig = OpenAICompatibleConfig> extends BaseProvider<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "modelmesh.openai-compatible.v1";

  constructor(config: C) {
    super({ ...config, baseUrl: config.baseUrl || OPENAI_BASE_URL });
  }

  /** Adds `OpenAI-Organization` / `OpenAI-Project` to the default headers when configured. */
  protected override buildHeaders(): Record<string, string> {
    const headers = super.buildHeaders();
    if (this.config.organization) headers["openai-organization"] = this.config.organization;
    if (this.config.project) headers["openai-project"] = this.config.project;
    return headers;
  }
}
