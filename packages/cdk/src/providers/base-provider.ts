import { createFetchTransport } from "../transport/fetch-transport.js";
import { withProxyUrl } from "../transport/proxy-url.js";
import type { Transport } from "../transport/types.js";
import type { ProviderConfig } from "./provider-config.js";
import { ProviderBase } from "./provider-base.js";

/**
 * The two platform-neutral OpenAI-shaped provider classes. Both inherit ALL protocol logic from `ProviderBase`
 * and differ only in their default transport. The Node variant whose default is the undici transport lives in
 * `@modelmesh/cdk/node` (`NodeBaseProvider`), so this module, and the
 * root entry, never load a Node built-in.
 */

/**
 * Base class for OpenAI-compatible providers: chat, streaming, embeddings, images, audio and model discovery
 * all have a working default (for a non-OpenAI wire format extend `HttpProviderBase` instead).
 * Default transport: `fetch`. On Node, extend `NodeBaseProvider` from `@modelmesh/cdk/node` for the undici
 * keep-alive transport, or pass `transport` explicitly.
 * @example
 * class MyProvider extends BaseProvider {
 *   protected override buildHeaders() {
 *     return { ...super.buildHeaders(), "x-tenant": "acme" };
 *   }
 * }
 * const provider = new MyProvider({ baseUrl: "https://my-proxy.internal/v1", apiKey: "sk-…" });
 * const answer = await provider.complete({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] });
 */
export class BaseProvider<C extends ProviderConfig = ProviderConfig> extends ProviderBase<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "modelmesh.base-provider.v1";

  /** The configured transport, else the fetch transport. */
  protected override createTransport(configured: Transport | undefined): Transport {
    return configured ?? createFetchTransport();
  }
}

/** Config of {@link BrowserBaseProvider}: the common config plus an optional CORS proxy. */
export interface BrowserProviderConfig extends ProviderConfig {
  /** CORS proxy; the full target URL is appended to it as path (`http://localhost:9090/https://api…`). */
  proxyUrl?: string;
}

/**
 * Base class for browser and edge runtimes: `fetch` transport, optional `proxyUrl` (applied to a configured
 * transport too). Same protocol logic, hooks and defaults as {@link BaseProvider}.
 * @example
 * const provider = new BrowserBaseProvider({
 *   baseUrl: "https://api.openai.com/v1",
 *   apiKey: userSuppliedKey,
 *   proxyUrl: "http://localhost:9090",
 * });
 */
export class BrowserBaseProvider<C extends BrowserProviderConfig = BrowserProviderConfig> extends ProviderBase<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "modelmesh.browser-base-provider.v1";

  /** The configured transport, else the fetch transport; routed through `proxyUrl` when set. */
  protected override createTransport(configured: Transport | undefined): Transport {
    return withProxyUrl(configured ?? createFetchTransport(), this.config.proxyUrl);
  }
}
