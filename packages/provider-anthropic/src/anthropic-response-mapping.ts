import type { ChatCompletion, ChatCompletionMessage, ChatFinishReason, ChatToolCall, CompletionUsage } from "@modelmesh/core";
import { invalidAnthropicResponse, type AnthropicErrorContext } from "./anthropic-error-mapping.js";
import type { AnthropicMessage, AnthropicStopReason, AnthropicUsage } from "./anthropic-wire.js";

/**
 * Anthropic Messages response → OpenAI chat completion (pure).
 * - `text` blocks are concatenated into `message.content`; `tool_use` blocks become `tool_calls` (ids kept,
 *   `input` JSON-stringified into `arguments`); `thinking` and server-tool blocks are not part of the
 *   OpenAI answer and are skipped;
 * - the forced answer tool of a structured-output request (see `anthropic-chat-mapping.ts`) becomes the
 *   content (its input as JSON text) and the finish reason `stop`;
 * - usage: prompt tokens = `input_tokens` + cache creation + cache read; cache reads are also reported as
 *   `prompt_tokens_details.cached_tokens`.
 */

/** What the response mapping needs to know about the request. */
export interface AnthropicResponseContext {
  /** Name of the structured-output answer tool, when the request added one. */
  jsonTool?: string;
  /** `created` of the completion, epoch seconds. */
  created: number;
  /** For errors. */
  errorContext?: AnthropicErrorContext;
}

/**
 * Maps a stop reason: `end_turn` / `stop_sequence` / `pause_turn` → `stop`, `max_tokens` /
 * `model_context_window_exceeded` → `length`, `tool_use` → `tool_calls` (or `stop` when the only call was
 * the structured-output answer tool), `refusal` → `content_filter`. Unknown reasons map to `stop`.
 */
export function mapAnthropicStopReason(reason: AnthropicStopReason | string | null | undefined, realToolCalls = true): ChatFinishReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return realToolCalls ? "tool_calls" : "stop";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

/** Anthropic usage → OpenAI usage (cache tokens count as prompt tokens, as Anthropic bills them). */
export function convertAnthropicUsage(usage: AnthropicUsage | undefined): CompletionUsage {
  const input = count(usage?.input_tokens);
  const cacheRead = count(usage?.cache_read_input_tokens);
  const prompt = input + count(usage?.cache_creation_input_tokens) + cacheRead;
  const completion = count(usage?.output_tokens);
  const out: CompletionUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) out.prompt_tokens_details = { cached_tokens: cacheRead };
  const thinking = usage?.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number" && thinking > 0) out.completion_tokens_details = { reasoning_tokens: thinking };
  return out;
}

/** True for a body with the shape of a Messages API response. */
export function isAnthropicMessage(value: unknown): value is AnthropicMessage {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return record.type === "message" && Array.isArray(record.content);
}

/**
 * Converts a Messages API response into an OpenAI chat completion.
 * @throws ProviderError `MM_INVALID_RESPONSE` when the body is not a message.
 */
export function convertFromAnthropicMessage(json: unknown, context: AnthropicResponseContext): ChatCompletion {
  if (!isAnthropicMessage(json)) throw invalidAnthropicResponse("the body is not a Messages API message (type \"message\" with a content array)", context.errorContext ?? {});
  let text = "";
  let answer: string | undefined;
  const toolCalls: ChatToolCall[] = [];
  for (const block of json.content) {
    if (block.type === "text" && typeof block.text === "string") text += block.text;
    else if (block.type === "tool_use" && typeof block.name === "string") {
      const args = JSON.stringify(block.input ?? {});
      if (context.jsonTool !== undefined && block.name === context.jsonTool) answer = args;
      else toolCalls.push({ id: String(block.id ?? ""), type: "function", function: { name: block.name, arguments: args } });
    }
  }
  // A structured answer replaces any text (a forced tool call is not preceded by prose, but be strict).
  const content = answer ?? (text !== "" || toolCalls.length === 0 ? text : null);
  const message: ChatCompletionMessage = { role: "assistant", content };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const refusal = json.stop_reason === "refusal" ? json.stop_details?.explanation : undefined;
  if (refusal) message.refusal = refusal;
  return {
    id: json.id,
    object: "chat.completion",
    created: context.created,
    model: json.model,
    choices: [{ index: 0, message, finish_reason: mapAnthropicStopReason(json.stop_reason, toolCalls.length > 0) ?? "stop", logprobs: null }],
    usage: convertAnthropicUsage(json.usage),
  };
}

function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
