/**
 * The subset of the Anthropic Messages API wire format (API version `2023-06-01`) that this connector sends
 * and reads, snake_case as on the wire. The official SDK (`@anthropic-ai/sdk`) is only a dev dependency, so
 * these types are our own; `test/fidelity.request.test.ts` checks them against the SDK's types and requests.
 * Reference: https://docs.anthropic.com/en/api/messages
 */

/** Prompt-caching marker a caller may put on blocks (passed through untouched). */
export interface AnthropicCacheControl {
  type: "ephemeral";
  ttl?: "5m" | "1h";
}

/** A text block (system prompt, user or assistant content, tool result content). */
export interface AnthropicTextBlock {
  type: "text";
  text: string;
  cache_control?: AnthropicCacheControl;
}

/** An image: inline base64 (jpeg, png, gif, webp) or a URL the API fetches itself. */
export interface AnthropicImageBlock {
  type: "image";
  source:
    | { type: "base64"; media_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp"; data: string }
    | { type: "url"; url: string };
}

/** A document (PDF), inline base64. */
export interface AnthropicDocumentBlock {
  type: "document";
  source: { type: "base64"; media_type: "application/pdf"; data: string };
  title?: string;
}

/** A tool call made by the assistant; `input` is the parsed JSON arguments object. */
export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** The result of a tool call, sent in a user turn. */
export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock>;
  is_error?: boolean;
}

/** Any block we send inside `messages[].content`. */
export type AnthropicContentBlockParam =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;

/** One conversational turn. Turns alternate; the API merges consecutive same-role turns, we merge them first. */
export interface AnthropicMessageParam {
  role: "user" | "assistant";
  content: string | AnthropicContentBlockParam[];
}

/** A client tool: `input_schema` is the JSON Schema of the arguments (always `type: "object"`). */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: { type: "object"; [key: string]: unknown };
}

/** How the model must use tools. `any` is OpenAI's `required`; `tool` forces one named tool. */
export type AnthropicToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

/** `POST /v1/messages` body. Keys the connector does not know (e.g. `top_k`, `thinking`) pass through. */
export interface AnthropicMessagesRequest {
  model: string;
  /** Required by the API (no server default). */
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string };
  /** Native structured output (`structured_output: native`). */
  output_config?: { format?: { type: "json_schema"; schema: Record<string, unknown> } };
  [key: string]: unknown;
}

/** Why generation stopped. */
export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

/** Token accounting. Total input = `input_tokens` + both cache counts. Stream deltas carry cumulative values. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number } | null;
}

/** A block of a response: `text`, `tool_use`, or one we skip (`thinking`, server tool blocks…). */
export interface AnthropicResponseBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/** Details of a `refusal` stop. */
export interface AnthropicStopDetails {
  type: "refusal";
  category?: string | null;
  explanation?: string | null;
}

/** A `POST /v1/messages` response (non-streamed), or the `message` of `message_start`. */
export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence?: string | null;
  stop_details?: AnthropicStopDetails | null;
  usage: AnthropicUsage;
}

/** The error envelope of a failed request, and the payload of an `error` stream event. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id?: string;
}

/** A streamed event (`event:` name equals `type`). Unknown types may be added by the API; they are skipped. */
export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "content_block_start"; index: number; content_block: AnthropicResponseBlock }
  | {
      type: "content_block_delta";
      index: number;
      delta: { type: string; text?: string; partial_json?: string };
    }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence?: string | null; stop_details?: AnthropicStopDetails | null };
      usage?: AnthropicUsage;
    }
  | { type: "message_stop" }
  | { type: "ping" }
  | AnthropicErrorBody;

/** One model of `GET /v1/models`. */
export interface AnthropicModelInfo {
  type: "model";
  id: string;
  display_name?: string;
  created_at?: string;
  /** Newer API versions report sizes and capabilities. */
  max_input_tokens?: number | null;
  max_tokens?: number | null;
  capabilities?: Record<string, { supported?: boolean } | unknown> | null;
}

/** A page of `GET /v1/models`. */
export interface AnthropicModelList {
  data: AnthropicModelInfo[];
  has_more?: boolean;
  first_id?: string | null;
  last_id?: string | null;
}
