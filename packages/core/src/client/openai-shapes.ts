/**
 * Response shapes exactly as the `openai` SDK types them (required `refusal`, `logprobs`, non-null
 * `finish_reason` on completions), so MeshClient results are assignable wherever code expects the SDK's
 * types. Normalisation is a shallow copy of a few fields — cheap on the hot path.
 */
import type { ChatAssistantMessage, ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, ChatCompletionParams, ChatFinishReason, ChatLogprobs, ChatMessage, ChatTool, ChatToolCall, ChatToolChoice } from "../wire/chat.js";
import type { EmbeddingParams, ImageGenerationParams, SpeechParams } from "../wire/media.js";

/** A completion message as the SDK types it. */
export type MeshChatCompletionMessage = ChatCompletionMessage & { refusal: string | null };

/** A completion as the SDK types it. */
export interface MeshChatCompletion extends Omit<ChatCompletion, "choices"> {
  choices: Array<{ index: number; message: MeshChatCompletionMessage; finish_reason: ChatFinishReason; logprobs: ChatLogprobs | null }>;
}

/** A stream chunk as the SDK types it. */
export type MeshChatCompletionChunk = ChatCompletionChunk;

/**
 * Fills the fields the SDK declares required. A completion that already has them all (what OpenAI-shaped
 * upstreams send) is returned as it is: it is the router's own freshly decoded object, so nothing is copied.
 */
export function toSdkCompletion(value: ChatCompletion): MeshChatCompletion {
  if (value.choices.every(isSdkShaped)) return value as MeshChatCompletion;
  const choices = value.choices.map((choice) => ({
    ...choice,
    message: { ...choice.message, refusal: choice.message.refusal ?? null },
    finish_reason: choice.finish_reason ?? "stop",
    logprobs: choice.logprobs ?? null,
  }));
  return { ...value, choices };
}

function isSdkShaped(choice: ChatCompletion["choices"][number]): boolean {
  return choice.message.refusal !== undefined && choice.finish_reason != null && choice.logprobs !== undefined;
}

/** A freeform ("custom") tool call, as the SDK's assistant messages may carry. */
export interface CustomToolCall {
  id: string;
  type: "custom";
  custom: { name: string; input: string };
}

/** A freeform ("custom") tool definition. */
export interface CustomTool {
  type: "custom";
  custom: { name: string; description?: string; format?: unknown };
}

/** An assistant message whose tool calls may include custom ones. */
export type AssistantMessageParam = Omit<ChatAssistantMessage, "tool_calls"> & { tool_calls?: Array<ChatToolCall | CustomToolCall> };

/** Any message the SDK's params accept. */
export type ChatMessageParam = Exclude<ChatMessage, ChatAssistantMessage> | AssistantMessageParam;

/** Tool choice variants the SDK's params accept. */
export type ToolChoiceParam =
  | ChatToolChoice
  | { type: "allowed_tools"; allowed_tools: { mode: "auto" | "required"; tools: Array<Record<string, unknown>> } }
  | { type: "custom"; custom: { name: string } };

/**
 * Chat params as the SDK types them (custom tools and allowed-tools choices included). Passed through to
 * providers unchanged; providers that cannot express a variant reject it as an invalid request.
 */
export type ChatCompletionCreateParamsBase = Omit<ChatCompletionParams, "messages" | "tools" | "tool_choice"> & {
  messages: ChatMessageParam[];
  tools?: Array<ChatTool | CustomTool>;
  tool_choice?: ToolChoiceParam;
};

/** Embedding params as the SDK types them. */
export type EmbeddingCreateParams = EmbeddingParams;
/** Image params as the SDK types them. */
export type ImageGenerateParams = ImageGenerationParams & {
  background?: string | null;
  moderation?: string | null;
  output_compression?: number | null;
  output_format?: string | null;
  stream?: false | null;
};
/** Speech params as the SDK types them. */
export type SpeechCreateParams = SpeechParams & { stream_format?: "sse" | "audio" };
