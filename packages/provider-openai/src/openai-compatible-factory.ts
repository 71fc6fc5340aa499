import { ConfigError } from "@modelmesh/core";
import { checkProviderConfig, createFetchTransport, withProxyUrl, type Transport } from "@modelmesh/cdk";
import { OpenAIProvider, type OpenAIProviderConfig } from "./openai-provider.js";

/**
 * The browser builder's one import: an OpenAI-compatible provider from a typed (camelCase) config object.
 * Zod-free and YAML-free (the config is checked by hand, `checkProviderConfig`), so a bundle of this module
 * holds the provider class, the fetch transport, the SSE parser, the mappings and the error classification
 * only (see `scripts/browser-size.mjs`). The YAML/connector path (`createOpenAIProvider`, `connectors`) keeps
 * its zod schema and is not reached from here.
 */

/** Config of {@link createOpenAICompatibleProvider}: `OpenAIProviderConfig` with `baseUrl` optional. */
export type OpenAICompatibleProviderConfig = Omit<OpenAIProviderConfig, "baseUrl"> & {
  /** Base URL including the version prefix. Default `https://api.openai.com/v1`. */
  baseUrl?: string;
};

/** Options of {@link createOpenAICompatibleProvider}. */
export interface OpenAICompatibleProviderOptions {
  /** HTTP transport. Default: `config.transport`, else the CDK's `fetch` transport (on every runtime). */
  transport?: Transport;
  /** CORS proxy: every request goes to `<proxyUrl>/<target URL>` (keys then stay on the proxy's server). */
  proxyUrl?: string;
}

/**
 * Creates an `OpenAIProvider` for OpenAI or any OpenAI-compatible API (Groq, Together, OpenRouter, vLLM,
 * Ollama…) from a typed config object, with the `fetch` transport unless another is given. Without `models`
 * the OpenAI catalogue is served; list the vendor's models otherwise. Vendor quirks go in `config.quirks`.
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid path (values are never echoed).
 * @example
 * const groq = createOpenAICompatibleProvider(
 *   { id: "groq", baseUrl: "https://api.groq.com/openai/v1", apiKey: key, models: [{ id: "llama-3.1-8b-instant", capabilities: ["generation.text-generation.chat-completion"] }] },
 *   { proxyUrl: "https://cors.example.com" },
 * );
 * const reply = await groq.complete({ model: "llama-3.1-8b-instant", messages: [{ role: "user", content: "Hi" }] });
 */
export function createOpenAICompatibleProvider(config: OpenAICompatibleProviderConfig, options: OpenAICompatibleProviderOptions = {}): OpenAIProvider {
  checkProviderConfig(config, { baseUrlOptional: true });
  checkOptions(options);
  const transport = withProxyUrl(options.transport ?? config.transport ?? createFetchTransport(), options.proxyUrl);
  return new OpenAIProvider({ ...config, baseUrl: config.baseUrl ?? "", transport });
}

function checkOptions(options: unknown): asserts options is OpenAICompatibleProviderOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError({ issues: [{ path: "options", message: `Invalid input: expected object, received ${options === null ? "null" : typeof options}` }] });
  }
  const { transport, proxyUrl } = options as Record<string, unknown>;
  if (transport !== undefined && typeof transport !== "function") {
    throw new ConfigError({ issues: [{ path: "options.transport", message: `Invalid input: expected function, received ${typeof transport}` }] });
  }
  if (proxyUrl !== undefined && (typeof proxyUrl !== "string" || !isUrl(proxyUrl))) {
    throw new ConfigError({ issues: [{ path: "options.proxyUrl", message: "Invalid URL" }] });
  }
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
