/**
 * Cohere v2 wire shapes (snake_case, as on the wire), the subset this connector sends and reads.
 * Reference: https://docs.cohere.com/reference/chat, https://docs.cohere.com/reference/chat-stream and
 * https://docs.cohere.com/reference/embed. Types only: no runtime code.
 */

/** A text part (`content` of user, system, assistant and tool messages). */
export interface CohereTextContent {
  type: "text";
  text: string;
}

/** An image part of a user message (vision models): an https or `data:` URL. */
export interface CohereImageContent {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

/** One tool call of an assistant message. */
export interface CohereToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A message of `POST /v2/chat`. */
export type CohereMessage =
  | { role: "system"; content: string | CohereTextContent[] }
  | { role: "user"; content: string | Array<CohereTextContent | CohereImageContent> }
  | { role: "assistant"; content?: string | CohereTextContent[]; tool_calls?: CohereToolCall[]; tool_plan?: string }
  | { role: "tool"; tool_call_id: string; content: string | CohereTextContent[] };

/** A function tool. */
export interface CohereTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** `POST /v2/chat` body. Unknown keys (Cohere-only parameters such as `k` or `documents`) pass through. */
export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  tool_choice?: "REQUIRED" | "NONE";
  response_format?: { type: "text" } | { type: "json_object"; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  p?: number;
  [key: string]: unknown;
}

/** Why generation ended. */
export type CohereFinishReason = "COMPLETE" | "STOP_SEQUENCE" | "MAX_TOKENS" | "TOOL_CALL" | "ERROR" | "TIMEOUT";

/** Token counts: `tokens` are what the model processed, `billed_units` what is billed. */
export interface CohereUsage {
  billed_units?: { input_tokens?: number | null; output_tokens?: number | null; search_units?: number | null; classifications?: number | null } | null;
  tokens?: { input_tokens?: number | null; output_tokens?: number | null } | null;
  cached_tokens?: number | null;
}

/** A content item of the assistant's answer. */
export type CohereResponseContent = { type: "text"; text: string } | { type: "thinking"; thinking: string } | { type: string; [key: string]: unknown };

/** `POST /v2/chat` answer. */
export interface CohereChatResponse {
  id: string;
  finish_reason: CohereFinishReason | string;
  message: {
    role: "assistant";
    content?: CohereResponseContent[] | null;
    tool_plan?: string | null;
    tool_calls?: CohereToolCall[] | null;
    citations?: unknown[] | null;
  };
  usage?: CohereUsage | null;
}

/** `POST /v2/embed` body. */
export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ["float"];
  output_dimension?: number;
  truncate?: "NONE" | "START" | "END";
  max_tokens?: number;
}

/** `POST /v2/embed` answer (the `embeddings_by_type` shape). */
export interface CohereEmbedResponse {
  id: string;
  response_type?: string;
  embeddings: { float?: number[][] | null; [type: string]: unknown };
  texts?: string[] | null;
  meta?: {
    billed_units?: { input_tokens?: number | null; images?: number | null } | null;
    tokens?: { input_tokens?: number | null; output_tokens?: number | null } | null;
    warnings?: string[] | null;
  } | null;
}

/** One entry of `GET /v1/models`. */
export interface CohereModelEntry {
  name: string;
  endpoints?: string[] | null;
  context_length?: number | null;
  features?: string[] | null;
  is_deprecated?: boolean | null;
  finetuned?: boolean | null;
}

/** `GET /v1/models` answer. */
export interface CohereModelList {
  models: CohereModelEntry[];
  next_page_token?: string | null;
}
