/**
 * The Converse / ConverseStream wire shapes this connector sends and reads (JSON over HTTPS, blobs as base64).
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html and
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */

export type BedrockImageFormat = "png" | "jpeg" | "gif" | "webp";

/** A content block of a message (the subset this connector sends or reads). */
export interface BedrockContentBlock {
  text?: string;
  image?: { format: BedrockImageFormat; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: Array<{ text: string } | { json: unknown }>; status?: "success" | "error" };
  reasoningContent?: unknown;
  [key: string]: unknown;
}

export interface BedrockMessage {
  role: "user" | "assistant";
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: { name: string; inputSchema: { json: Record<string, unknown> }; description?: string };
}

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

/** The body of `POST /model/{modelId}/converse` (and `/converse-stream`). */
export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockToolSpec[]; toolChoice?: BedrockToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface BedrockUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** Documented stop reasons. */
export type BedrockStopReason =
  | "end_turn"
  | "tool_use"
  | "max_tokens"
  | "stop_sequence"
  | "guardrail_intervened"
  | "content_filtered"
  | "model_context_window_exceeded"
  | "malformed_model_output"
  | "malformed_tool_use";

/** The Converse response body. */
export interface BedrockConverseResponse {
  output: { message?: BedrockMessage };
  stopReason: BedrockStopReason | string;
  usage?: BedrockUsage;
  metrics?: { latencyMs?: number };
}
