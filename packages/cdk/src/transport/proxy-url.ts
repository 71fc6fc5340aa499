import type { Transport } from "./types.js";

/**
 * CORS-proxy support for browser use (docs/ARCHITECTURE.md §2.4): the full target URL is appended to the proxy URL as
 * its path, e.g. `http://localhost:9090/https://api.openai.com/v1/chat/completions`.
 */

/** Returns `target` routed through `proxyUrl` (a trailing `/` on the proxy URL is ignored). */
export function proxiedUrl(proxyUrl: string, target: string): string {
  return `${proxyUrl.replace(/\/+$/, "")}/${target}`;
}

/**
 * Wraps a transport so every request goes through a CORS proxy. Without a `proxyUrl` the transport is
 * returned unchanged.
 * @example
 * const transport = withProxyUrl(createFetchTransport(), "http://localhost:9090");
 */
export function withProxyUrl(transport: Transport, proxyUrl: string | undefined): Transport {
  if (!proxyUrl) return transport;
  return (request) => transport({ ...request, url: proxiedUrl(proxyUrl, request.url) });
}
