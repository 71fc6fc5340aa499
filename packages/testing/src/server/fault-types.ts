/**
 * The faults the mock provider can inject, and the rules that schedule them. Each fault reproduces one
 * failure a real OpenAI-compatible upstream shows, so the retry / failover / streaming-guard code can be
 * tested against a real socket (docs/ARCHITECTURE.md §2.5, §2.6 and §2.8).
 *
 * Faults fall in two groups:
 * - *refusals* answer instead of the model (`rate-limit`, `quota-exhausted`, `status`, `auth`,
 *   `context-length`, `content-policy`, `reject-prefill`, `down`) or break the connection before any byte
 *   (`reset-before-headers`, `no-response`);
 * - *shapers* let the normal answer start and then damage it (`slow-first-token`, `cut-after`, `stall-after`,
 *   `malformed-chunk`, `missing-done`, `error-in-stream`). They are meant for streams; on a non-streamed
 *   response they damage the JSON body in the equivalent way (documented per fault).
 */

/** 429 `rate_limit_exceeded`. */
export interface RateLimitFault {
  kind: "rate-limit";
  /** `Retry-After` value: seconds (number) or an HTTP-date (string). Omitted = no `Retry-After` header. */
  retryAfter?: number | string;
  /** OpenAI's `retry-after-ms` header, in milliseconds. Omitted = no header. */
  retryAfterMs?: number;
}

/** 429 with `code: "insufficient_quota"` (billing / daily cap spent; retrying does not help). */
export interface QuotaExhaustedFault {
  kind: "quota-exhausted";
}

/** Any status with an optional body and headers, e.g. 500, 502, 503, 529. */
export interface StatusFault {
  kind: "status";
  /** HTTP status to send. */
  status: number;
  /** Body: a string is sent verbatim as text, anything else as JSON. Default: an OpenAI `server_error` body. */
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** 401 `invalid_api_key`, whatever key was sent. */
export interface AuthFault {
  kind: "auth";
}

/** The TCP connection is reset after the request is read, before any response byte. */
export interface ResetBeforeHeadersFault {
  kind: "reset-before-headers";
}

/** The request is read and never answered; the socket stays open until the client gives up or `close()`. */
export interface NoResponseFault {
  kind: "no-response";
}

/** Headers are sent at once; the first chunk (or the JSON body) only after `delayMs`. */
export interface SlowFirstTokenFault {
  kind: "slow-first-token";
  /** Delay in milliseconds between the headers and the first body byte. Uses the global `setTimeout`. */
  delayMs: number;
}

/**
 * The socket is closed after `tokens` content chunks, without `finish_reason` or `[DONE]`: the chunked body
 * is left incomplete, so the client sees a transport error. Non-streamed: half of the JSON body, then closed.
 */
export interface CutAfterFault {
  kind: "cut-after";
  /** Content chunks (tokens) sent before the cut; 0 = right after the role chunk. */
  tokens: number;
}

/**
 * Nothing more is sent after `tokens` content chunks, but the socket stays open until the client or
 * `close()` ends it: only an idle timeout detects it. Non-streamed: half of the JSON body, then silence.
 */
export interface StallAfterFault {
  kind: "stall-after";
  /** Content chunks (tokens) sent before the stall. */
  tokens: number;
}

/**
 * After `afterTokens` content chunks, the line `data: {not json` is sent (`count` times), in addition to the
 * chunks: no token is lost. Non-streamed: a 200 `{not json` body.
 */
export interface MalformedChunkFault {
  kind: "malformed-chunk";
  /** Content chunks (tokens) sent before the malformed one. */
  afterTokens: number;
  /** How many malformed events are sent in a row at that position. Default 1. */
  count?: number;
  /** `continue` (default) sends the rest of the stream normally; `stop` ends the response right after them. */
  then?: "continue" | "stop";
}

/**
 * The stream is complete (final chunk with `finish_reason` and `usage`) and the HTTP response ends cleanly,
 * but `data: [DONE]` is never sent. Non-streamed: no effect.
 */
export interface MissingDoneFault {
  kind: "missing-done";
}

/**
 * A 200 stream that carries `data: {"error": {...}}` after `afterTokens` chunks, then ends.
 * Non-streamed: a 200 whose JSON body is the error envelope.
 */
export interface ErrorInStreamFault {
  kind: "error-in-stream";
  /** Content chunks (tokens) sent before the error event. */
  afterTokens: number;
  /** Overrides for the error object. Default: `server_error`, "The server had an error while processing…". */
  error?: { message?: string; type?: string; code?: string | null };
}

/** 400 `context_length_exceeded`, whatever the prompt size. */
export interface ContextLengthFault {
  kind: "context-length";
}

/** 400 `content_policy_violation`. */
export interface ContentPolicyFault {
  kind: "content-policy";
}

/**
 * 400 when the last chat message is from the assistant (a prefill). A rule carrying this fault only
 * matches — and only uses up its `times` — on such requests; others are answered normally.
 */
export interface RejectPrefillFault {
  kind: "reject-prefill";
}

/**
 * 503 for every matching request until `forMs` after the rule was installed, measured with the server's
 * `now()` clock (inject a fake one to move time in tests); healthy afterwards.
 */
export interface DownFault {
  kind: "down";
  /** Outage length in milliseconds from installation. */
  forMs: number;
}

/** Any fault the mock provider can inject. */
export type Fault =
  | RateLimitFault
  | QuotaExhaustedFault
  | StatusFault
  | AuthFault
  | ResetBeforeHeadersFault
  | NoResponseFault
  | SlowFirstTokenFault
  | CutAfterFault
  | StallAfterFault
  | MalformedChunkFault
  | MissingDoneFault
  | ErrorInStreamFault
  | ContextLengthFault
  | ContentPolicyFault
  | RejectPrefillFault
  | DownFault;

/** The discriminant of {@link Fault}. */
export type FaultKind = Fault["kind"];

/**
 * When to inject a fault. All given conditions must hold; the first installed rule that matches wins.
 *
 * @example
 * // attempts 1 and 2 on gpt-x fail with 503, attempt 3 succeeds
 * mock.fault({ model: "gpt-x", attempts: [1, 2], fault: { kind: "status", status: 503 } });
 * // the next request, whatever its model, is rate limited
 * mock.fault({ times: 1, fault: { kind: "rate-limit", retryAfter: 2 } });
 */
export interface FaultRule {
  /** Only requests for this model id. Default: any request, including ones without a model. */
  model?: string;
  /** Only requests whose path ends with this, e.g. `/chat/completions`. Default: any route. */
  path?: string;
  /** Only these 1-based attempt numbers, counted per model since start or the last `reset()`. */
  attempts?: number[];
  /** Only the next N matching requests; the rule is removed afterwards. Default: unlimited. */
  times?: number;
  /** What to inject. */
  fault: Fault;
}
