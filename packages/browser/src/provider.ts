/**
 * The providers of the browser build: OpenAI-compatible endpoints over `fetch` (the cdk's protocol code, the
 * same the Node build runs), constructed from a checked config entry without the connector registry.
 */
import { createFetchTransport, type Transport } from "@modelmesh/cdk";
import { createOpenAICompatibleProvider } from "@modelmesh/provider-openai";
import type { Clock, ModelInfo, ProviderConnectorV1 } from "@modelmesh/core/runtime";
import type { NormalizedProvider } from "./config.js";

/** An HTTP transport: a request in, a response with a streamed body out (default: `fetch`). */
export type BrowserTransport = Transport;

/** The default transport of the browser build. */
export function defaultTransport(): BrowserTransport {
  return createFetchTransport();
}

/** An OpenAI-compatible provider for a checked `providers.<name>` entry. */
export function createHttpProvider(p: NormalizedProvider, transport: BrowserTransport | undefined, clock: Clock): ProviderConnectorV1 {
  const models: ModelInfo[] | undefined = p.models?.map((m) => ({
    id: m.id,
    capabilities: m.capabilities,
    ...(m.context_window !== undefined ? { contextWindow: m.context_window } : {}),
    ...(m.max_output_tokens !== undefined ? { maxOutputTokens: m.max_output_tokens } : {}),
  }));
  return createOpenAICompatibleProvider(
    { id: p.name, ...(p.baseUrl !== undefined ? { baseUrl: p.baseUrl } : {}), apiKey: p.apiKey, headers: p.headers, models, clock },
    transport ? { transport } : {},
  );
}
