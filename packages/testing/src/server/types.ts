/** Public option, handle and record types of the mock provider server. */
import type { FaultRule } from "./fault-types.js";
import type { MockChatRequest } from "./wire.js";

/** A model the mock serves. Requests naming any other model get 404 `model_not_found`. */
export interface MockModel {
  /** Model id, e.g. `mock-model`. */
  id: string;
  /**
   * Context window in tokens. When set, a chat request whose estimated prompt tokens (whitespace words) plus
   * `max_completion_tokens` / `max_tokens` exceed it, or an embeddings input longer than it, gets the 400
   * `context_length_exceeded` error. Also listed as `context_window` by `GET /models`.
   */
  contextWindow?: number;
  /** `owned_by` in `GET /models`. Default `modelmesh-mock`. */
  ownedBy?: string;
}

/** A tool call the scripted reply makes; streamed as an id+name delta, then argument fragments. */
export interface MockToolCall {
  /** Call id. Default `call_<request n>_<index>`. */
  id?: string;
  /** Always `function`. */
  type?: "function";
  function: {
    /** Tool name. */
    name: string;
    /** JSON arguments; an object is serialised with `JSON.stringify`. */
    arguments: string | Record<string, unknown>;
  };
}

/** What a scripted reply returns: plain text, or content and/or tool calls. */
export type MockReply =
  | string
  | {
      /** Assistant text; null or omitted = no content. */
      content?: string | null;
      /** Tool calls; when non-empty the default finish reason is `tool_calls`. */
      tool_calls?: MockToolCall[];
      /** Overrides the computed finish reason (`stop`, `length` when capped, `tool_calls`). */
      finish_reason?: "stop" | "length" | "tool_calls" | "content_filter";
    };

/** Values for the `x-ratelimit-*` headers; only the given ones are emitted. */
export interface RateLimitHeadersOptions {
  /** `x-ratelimit-limit-requests`. */
  limitRequests?: number;
  /**
   * Starting `x-ratelimit-remaining-requests` (default `limitRequests`). Decremented by each 2xx response
   * and never below 0; the server does NOT refuse at 0 (script a `rate-limit` fault for that).
   */
  remainingRequests?: number;
  /** `x-ratelimit-reset-requests`, verbatim (OpenAI uses durations like `1s`, `6m0s`). */
  resetRequests?: string;
  /** `x-ratelimit-limit-tokens`. */
  limitTokens?: number;
  /** Starting `x-ratelimit-remaining-tokens` (default `limitTokens`); decremented by each response's usage. */
  remainingTokens?: number;
  /** `x-ratelimit-reset-tokens`, verbatim. */
  resetTokens?: string;
}

/** Options of {@link startMockProvider}. Every field is optional. */
export interface MockProviderOptions {
  /** Port to listen on. Default 0 (an ephemeral port; read it from `mock.port`). */
  port?: number;
  /** Models served. Default `[{ id: "mock-model" }]`. */
  models?: MockModel[];
  /** When set, requests must send `Authorization: Bearer <apiKey>`, else 401 `invalid_api_key`. */
  apiKey?: string;
  /**
   * Scripted chat reply. Default: `"echo: " + <text of the last user message>`. May be async.
   * The reply is tokenised with {@link tokenize}; each token is one stream chunk.
   */
  reply?: (request: MockChatRequest) => MockReply | Promise<MockReply>;
  /** Fault rules installed at start (same as calling `mock.fault()` for each, in order). */
  faults?: FaultRule[];
  /** Clock in epoch milliseconds for `down` faults, `RecordedCall.at` and `created`. Default `Date.now`. */
  now?: () => number;
  /** Emit `x-ratelimit-*` headers on every response. */
  rateLimitHeaders?: RateLimitHeadersOptions;
  /** After this many 2xx responses, every request gets 429 `insufficient_quota` until `resetQuota()`. */
  dailyQuota?: number;
  /** Embedding length when the request has no `dimensions`. Default 8. */
  embeddingDimensions?: number;
  /** Pause between stream chunks in milliseconds. Default 0 (all chunks written at once). */
  chunkDelayMs?: number;
  /** Let pages of any origin call the server (CORS headers on every answer; preflights answered, not recorded). Default false. */
  cors?: boolean;
}

/** One request the server received, recorded before it is answered (so faulted attempts count too). */
export interface RecordedCall {
  /** 1-based sequence number over all requests since start or `reset()`. */
  n: number;
  /** 1-based attempt number for this call's model (calls without a model share one counter). */
  attempt: number;
  /** URL path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** HTTP method. */
  method: string;
  /** `model` from the JSON body or multipart form, if any. */
  model?: string;
  /** True when the body asked for `stream: true`. */
  stream: boolean;
  /**
   * Parsed body: JSON as sent; multipart as its fields plus `{ filename, contentType, size }` per file;
   * other or invalid bodies as text; undefined when empty.
   */
  body: unknown;
  /** Request headers, lower-cased; `authorization` becomes `Bearer ***`, `api-key` / `x-api-key` `***`. */
  headers: Record<string, string>;
  /** Kind of the fault injected, `daily-quota` for the `dailyQuota` cap, undefined when none. */
  fault?: string;
  /** Status sent, undefined while pending or when the connection was dropped without a response. */
  status?: number;
  /** Arrival time from the `now()` clock. */
  at: number;
}

/** A running mock provider. */
export interface MockProvider {
  /** Base URL for OpenAI clients: `http://127.0.0.1:<port>/v1`. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** Every request received since start or `reset()`, in arrival order (a live array). */
  readonly calls: RecordedCall[];
  /** The recorded calls whose `model` is `model`. */
  callsFor(model: string): RecordedCall[];
  /** Installs a fault rule after the existing ones; returns a function that removes it. */
  fault(rule: FaultRule): () => void;
  /** Clears recorded calls, fault rules, attempt counters, the daily quota count and rate-limit counters. */
  reset(): void;
  /** Resets the `dailyQuota` count only. */
  resetQuota(): void;
  /**
   * Stops listening, destroys every open socket (stalled, unanswered and idle keep-alive ones) and cancels
   * pending delays. Resolves when the server is closed; calling it again returns the same promise.
   */
  close(): Promise<void>;
}
