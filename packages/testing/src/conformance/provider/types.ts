/** Options, capability flags and the per-suite context of the provider conformance suite. */
import type { ProviderConnectorV1 } from "@modelmesh/core";
import type { MockProvider } from "../../server/types.js";

/** What `create` receives: where the suite's mock provider listens, the key it expects, the model it serves. */
export interface ProviderCreateContext {
  /** OpenAI-style base URL including `/v1` (or the URL returned by `upstream`). */
  baseUrl: string;
  /** API key the mock requires as `Authorization: Bearer <apiKey>` (unless `capabilities.auth` is false). */
  apiKey: string;
  /** The model id the mock serves; the connector must list it (configured or discovered). */
  model: string;
}

/**
 * What the connector declares it supports. Omitted flags default to supported, except `embeddings`
 * (default false). A flag set to `false` skips the checks that need it.
 */
export interface ProviderCapabilities {
  [flag: string]: boolean | undefined;
  /** `stream()` works (default true). */
  stream?: boolean;
  /** Streams report usage in a final chunk (default true). */
  streamUsage?: boolean;
  /** Tool calls, whole and streamed (default true). */
  tools?: boolean;
  /** `embed()` (default false). */
  embeddings?: boolean;
  /** Sends `Authorization: Bearer <apiKey>`; when false the mock accepts any request (default true). */
  auth?: boolean;
  /** Reports `x-ratelimit-*` headers as `onResponse`'s `rateLimit` (default true). */
  rateLimitHeaders?: boolean;
}

/** A server placed between the suite's mock provider and the connector (for non-OpenAI vendor APIs). */
export interface ProviderUpstream {
  /** Base URL the connector is pointed at (passed to `create` as `baseUrl`). */
  baseUrl: string;
  /** Stops it. */
  close(): Promise<void>;
}

/** Options of `describeProviderConformance`. */
export interface ProviderConformanceOptions {
  /** Builds a fresh connector pointed at the suite's server. Called once per check; the suite closes it. */
  create: (context: ProviderCreateContext) => ProviderConnectorV1 | Promise<ProviderConnectorV1>;
  /** Declared capabilities (see {@link ProviderCapabilities}). */
  capabilities?: ProviderCapabilities;
  /** Model id the mock serves. Default `conformance-model`. */
  model?: string;
  /**
   * For connectors whose vendor API is not OpenAI-shaped: starts a translating server in front of the mock
   * (`mockUrl` is its `/v1` base URL) and returns where the connector should point. It must pass statuses,
   * headers and error bodies through and break its own connection when the mock breaks (reset, cut, stall),
   * so the fault list still reaches the connector.
   */
  upstream?: (mockUrl: string) => Promise<ProviderUpstream>;
}

/** Everything a provider check gets. */
export interface ProviderCheckContext {
  /** The suite's mock provider (scope faults to the suite's model and path, and remove them in `finally`). */
  readonly mock: MockProvider;
  /** The model served. */
  readonly model: string;
  /** What `create` receives. */
  readonly createContext: ProviderCreateContext;
  /** Declared capabilities, defaults applied. */
  readonly capabilities: Required<Pick<ProviderCapabilities, "stream" | "streamUsage" | "tools" | "embeddings" | "auth" | "rateLimitHeaders">>;
  /** Creates a connector that the check must close (use `withProvider`). */
  create(): Promise<ProviderConnectorV1>;
}
