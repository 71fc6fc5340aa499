/**
 * The few OpenAI wire shapes the mock server reads. They are declared here, structurally and loosely, rather
 * than imported from `@modelmesh/core`: the server must accept whatever a client sends (including malformed
 * requests it is asked to reject), and the testing kit must not break when core's types evolve.
 */

/** A chat message as received; only `role`, `content` and `tool_calls` are read. */
export interface MockChatMessage {
  /** `system`, `developer`, `user`, `assistant`, `tool` or anything else the client sent. */
  role: string;
  /** A string, an array of content parts, or null (assistant tool-call turns). */
  content?: unknown;
  /** Assistant tool calls, passed through unread. */
  tool_calls?: unknown;
  /** Any other field, passed through unread. */
  [key: string]: unknown;
}

/** A `POST /chat/completions` body as received; unknown fields are kept. */
export interface MockChatRequest {
  /** Model id; must name one of the configured models. */
  model: string;
  /** The conversation. */
  messages: MockChatMessage[];
  /** `true` asks for an SSE stream. */
  stream?: boolean | null;
  /** `include_usage: true` adds a final usage-only chunk with `choices: []`. */
  stream_options?: { include_usage?: boolean | null } | null;
  /** Completion token cap (legacy name). */
  max_tokens?: number | null;
  /** Completion token cap (current name; wins over `max_tokens`). */
  max_completion_tokens?: number | null;
  /** Tools offered to the model. */
  tools?: unknown[];
  /** Any other field. */
  [key: string]: unknown;
}

/** OpenAI token accounting, as the mock reports it. */
export interface MockUsage {
  /** Whitespace-separated words of all message text. */
  prompt_tokens: number;
  /** Output units streamed: content tokens plus tool-call header and argument fragments. */
  completion_tokens: number;
  /** Sum of the two. */
  total_tokens: number;
}

/** The OpenAI error envelope every non-2xx JSON response carries. */
export interface OpenAIErrorBody {
  error: {
    /** Human-readable reason. */
    message: string;
    /** OpenAI's coarse type, e.g. `invalid_request_error`, `server_error`, `insufficient_quota`. */
    type: string;
    /** The request field at fault, or null. */
    param: string | null;
    /** Machine-readable code, e.g. `rate_limit_exceeded`, `context_length_exceeded`, or null. */
    code: string | null;
  };
}
