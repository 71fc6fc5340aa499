import type { AbortWatch } from "../internal/abort.js";
import type { ErrorCategory } from "../errors/model-mesh-error.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "../wire/chat.js";
import type {
  EmbeddingRequest,
  EmbeddingResponse,
  ImageGenerationRequest,
  ImagesResponse,
  SpeechRequest,
  SpeechResponse,
  TranscriptionRequest,
  TranscriptionResponse,
} from "../wire/media.js";

/** Boolean feature flags of a model. Used by the requirement filter; never capabilities themselves. */
export interface ModelFeatures {
  /** Accepts `tools` and returns `tool_calls`. */
  toolCalling?: boolean;
  /** Can return several tool calls in one turn. */
  parallelToolCalls?: boolean;
  /** Accepts image parts in user messages. */
  vision?: boolean;
  /** Accepts audio parts in user messages. */
  audioInput?: boolean;
  /** Honours `response_format: {type: "json_object"}`. */
  jsonMode?: boolean;
  /** Honours `response_format: {type: "json_schema"}`. */
  structuredOutput?: boolean;
  /** Accepts a system prompt. Default true. */
  systemPrompt?: boolean;
  /** Accepts a final assistant message as a prefill to continue from. */
  assistantPrefill?: boolean;
  /** Returns log probabilities. */
  logprobs?: boolean;
  /** Thinks before answering: its time to first token is longer (a longer default first-token budget). */
  reasoning?: boolean;
}

/** Delivery modes a model supports. */
export interface ModelDelivery {
  /** Plain request/response. Default true. */
  synchronous?: boolean;
  /** Server-sent events. Default true for chat models. */
  streaming?: boolean;
  /** Batch submissions. Default false. */
  batch?: boolean;
}

/** Prices in USD per one million tokens (the industry norm). */
export interface ModelPricing {
  /** USD per 1M prompt tokens. */
  inputPerMillion: number;
  /** USD per 1M completion tokens. */
  outputPerMillion: number;
  /** USD per request, on top of tokens. Default 0. */
  perRequest?: number;
}

/** What a provider knows about one of its models. */
export interface ModelInfo {
  /** The vendor's model id, exactly as sent upstream (e.g. `gpt-4.1`). */
  id: string;
  /** Display name. */
  name?: string;
  /** Capability leaf paths this model serves. */
  capabilities: string[];
  /** Maximum context in tokens (prompt + completion). */
  contextWindow?: number;
  /** Maximum completion tokens per request. */
  maxOutputTokens?: number;
  /** Prices. */
  pricing?: ModelPricing;
  /** Feature flags. */
  features?: ModelFeatures;
  /** Delivery modes. */
  delivery?: ModelDelivery;
}

/** Token counts, camelCase, for accounting APIs. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Limits and remaining capacity read from response headers (`x-ratelimit-*`, `Retry-After`). */
export interface RateLimitInfo {
  /** Requests allowed per window. */
  limitRequests?: number;
  /** Requests left in the current window. */
  remainingRequests?: number;
  /** Milliseconds until the request window resets. */
  resetRequestsMs?: number;
  /** Tokens allowed per window. */
  limitTokens?: number;
  /** Tokens left in the current window. */
  remainingTokens?: number;
  /** Milliseconds until the token window resets. */
  resetTokensMs?: number;
  /** Milliseconds the upstream asked us to wait. */
  retryAfterMs?: number;
}

/** Metadata of one upstream response, reported by a provider through {@link CallOptions.onResponse}. */
export interface ResponseMeta {
  /** HTTP status. */
  status: number;
  /** Response headers, lower-cased names, secrets never included. */
  headers: Record<string, string>;
  /** Limits learned from the headers. */
  rateLimit?: RateLimitInfo;
}

/** Per-attempt timeouts in milliseconds. */
export interface AttemptTimeouts {
  /** Connect + response headers: the only limit a transport applies. */
  connectMs: number;
  /**
   * Until the first content or tool-call delta (streams) or the full body (non-streams). Absent: the caller
   * bounds it. The router never passes it: its attempt scope owns the first-token, response and idle limits
   * (docs/ARCHITECTURE.md §2.5); a provider called directly applies it itself.
   */
  firstTokenMs?: number;
  /** Maximum gap between two stream chunks or body reads. Absent: the caller bounds it (see `firstTokenMs`). */
  idleMs?: number;
}

/**
 * Size limits for what an upstream sends back (`providers.<name>.limits`), in bytes. A connector that reads a
 * body past a limit stops reading and throws `MM_RESPONSE_TOO_LARGE` (category `server`). Unset: the
 * connector's defaults (the CDK's: 32 MiB and 1 MiB).
 */
export interface ResponseLimits {
  /** Largest non-streamed response body (JSON, audio, transcripts). */
  maxResponseBytes?: number;
  /** Largest single server-sent event of a stream (one line or one event's data lines together). */
  maxEventBytes?: number;
}

/** Options the router passes to every provider call. */
export interface CallOptions {
  /** Aborted when the attempt times out, the deadline passes, or the caller cancels. Providers must honour it. */
  signal: AbortSignal;
  /**
   * The same abort as `signal`, as plain callbacks: cheaper to follow than an AbortSignal's listeners. A
   * provider (or its transport) that follows it need not read `signal`, which the router creates only when it
   * is read (docs/ARCHITECTURE.md §2.5). Absent when the caller is not the router.
   */
  abort?: AbortWatch;
  /** Absolute end-to-end deadline of the request (epoch ms). */
  deadline: number;
  /**
   * Per-attempt timeouts. From the router only `connectMs` (for the transport): the router's attempt scope
   * bounds first token, response and idle gaps itself and aborts `signal` when one passes.
   */
  timeouts: AttemptTimeouts;
  /** Response size limits of this provider (`providers.<name>.limits`); absent: the connector's defaults. */
  responseLimits?: ResponseLimits;
  /** Correlation id of the request. */
  requestId: string;
  /** 1-based attempt number within the request. */
  attempt: number;
  /** Receives status, headers and learned limits of the upstream response. */
  onResponse?: (meta: ResponseMeta) => void;
  /**
   * Called as the bytes of a non-streamed response body arrive (at most once per chunk read): the router's idle
   * timeout counts from the latest call. Cheap; never throws.
   */
  onProgress?: () => void;
  /** Extra headers to send upstream (never secrets chosen by a client). */
  headers?: Record<string, string>;
  /**
   * Reports a non-fatal problem (e.g. a request field the vendor cannot express and that was dropped). The
   * router records it on the routing trace; it never throws.
   */
  onWarning?: (message: string) => void;
}

/** Result of classifying an error into a routing category (docs/ARCHITECTURE.md §2.6). */
export interface ErrorClassification {
  category: ErrorCategory;
  /** Whether the same route may be tried again. */
  retryable: boolean;
  /** Upstream-requested wait in milliseconds. */
  retryAfterMs?: number;
  /** HTTP status, when there was one. */
  status?: number;
  /** Vendor error code (e.g. `context_length_exceeded`). */
  code?: string;
  /** Human-readable reason, secret-free. */
  message: string;
}

/** A batch job handle. */
export interface BatchJob {
  id: string;
  status: string;
  createdAt: number;
  completedAt?: number;
  resultsUrl?: string;
}

/** Capability a provider serves when it declares none and its models carry none (chat completion). */
export const DEFAULT_PROVIDER_CAPABILITIES: readonly string[] = Object.freeze(["generation.text-generation.chat-completion"]);

/**
 * A provider connector: executes requests against one backend and lists its models.
 *
 * Required: what the router calls on every provider — identity, `complete`, `stream`, `classifyError`,
 * `listModels` and `close`. Everything else is optional and discovered by presence: the router answers a
 * request for a method a provider lacks with `MM_NOT_SUPPORTED` (docs/ARCHITECTURE.md §2.14), so a connector
 * implements only what its backend offers, never a method that exists only to reject.
 *
 * Usage, cost, quota and learned rate limits are not the provider's to keep: the router records them in the
 * mesh's state ledger from each call's usage and from what `onResponse` reports.
 */
export interface ProviderConnectorV1 {
  /** Spec version of this contract. */
  readonly specificationVersion: "v1";
  /** Instance id: the provider's name in the config (e.g. `openai`, `my-proxy`). */
  readonly id: string;
  /** Connector id it was built from (e.g. `openai.llm.v1`). */
  readonly connectorId: string;

  // -- execution (required) ----------------------------------------------------------------------------
  /** Non-streamed chat completion. `request.model` is the vendor model id. */
  complete(request: ChatCompletionRequest, options: CallOptions): Promise<ChatCompletion>;
  /**
   * Streamed chat completion. The first `next()` sends the request; an HTTP error surfaces there, before any
   * chunk. The iterable ends only after `[DONE]` (or an equivalent end event); a cut connection throws.
   */
  stream(request: ChatCompletionRequest, options: CallOptions): AsyncIterable<ChatCompletionChunk>;

  // -- catalogue and errors (required) -----------------------------------------------------------------
  /** Models this provider offers (configured, or discovered), with their capabilities, limits and prices. */
  listModels(): Promise<ModelInfo[]>;
  /** Classifies any error this provider threw into a routing category. Never throws. */
  classifyError(error: unknown): ErrorClassification;
  /** Releases sockets and timers. Idempotent. */
  close(): Promise<void>;

  // -- optional capabilities, discovered by presence ---------------------------------------------------
  /** Embeddings. */
  embed?(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResponse>;
  /** Image generation. */
  generateImage?(request: ImageGenerationRequest, options: CallOptions): Promise<ImagesResponse>;
  /** Text to speech. */
  speech?(request: SpeechRequest, options: CallOptions): Promise<SpeechResponse>;
  /** Speech to text. */
  transcribe?(request: TranscriptionRequest, options: CallOptions): Promise<TranscriptionResponse>;
  /**
   * Capability paths of the provider as a whole: the default of every model that lists none. Absent:
   * {@link DEFAULT_PROVIDER_CAPABILITIES} (see {@link providerCapabilities}).
   */
  getCapabilities?(): string[];
  /** Queries the vendor for its current model list. */
  discoverModels?(): Promise<ModelInfo[]>;
  /** Submits a batch. */
  submitBatch?(requests: ChatCompletionRequest[]): Promise<BatchJob>;
  /** Uploads a file; returns its id. */
  uploadFile?(data: Uint8Array, filename: string, purpose: string): Promise<string>;
  /** Starts a fine-tune; returns its id. */
  createFineTune?(model: string, trainingFileId: string, options?: Record<string, unknown>): Promise<string>;
}

/**
 * The provider-level capabilities of a connector: its `getCapabilities()` when it has one that returns a
 * non-empty list, else {@link DEFAULT_PROVIDER_CAPABILITIES}. A model without capabilities of its own serves these.
 */
export function providerCapabilities(provider: Pick<ProviderConnectorV1, "getCapabilities">): readonly string[] {
  const declared = provider.getCapabilities?.();
  return declared && declared.length > 0 ? declared : DEFAULT_PROVIDER_CAPABILITIES;
}
