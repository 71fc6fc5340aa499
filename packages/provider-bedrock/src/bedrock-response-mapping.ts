import type { ChatCompletion, ChatCompletionMessage, ChatFinishReason, ChatToolCall, CompletionUsage } from "@modelmesh/core";
import { invalidBedrockResponse, type BedrockErrorContext } from "./bedrock-error-mapping.js";
import type { BedrockConverseResponse, BedrockUsage } from "./bedrock-wire.js";

/**
 * Converse response → OpenAI chat completion (pure).
 * - `text` blocks are concatenated into `message.content`; `toolUse` blocks become `tool_calls` (`input`
 *   JSON-stringified into `arguments`); reasoning and other blocks are skipped;
 * - the forced answer tool of a JSON-mode request becomes the content, with finish reason `stop`;
 * - `stopReason`: `end_turn` / `stop_sequence` → `stop`, `max_tokens` / `model_context_window_exceeded` →
 *   `length`, `tool_use` → `tool_calls`, `guardrail_intervened` / `content_filtered` → `content_filter`;
 * - usage: prompt = `inputTokens` + cache reads + cache writes, completion = `outputTokens`.
 */

/** What the response mapping needs to know about the request. */
export interface BedrockResponseContext {
  /** Completion id (Converse answers carry none: the request id, or a generated one). */
  id: string;
  /** Model id of the request (Converse does not echo it). */
  model: string;
  /** `created`, epoch seconds. */
  created: number;
  jsonTool?: string;
  errorContext?: BedrockErrorContext;
}

/** Maps a Converse stop reason (unknown ones map to `stop`). */
export function mapBedrockStopReason(reason: string | null | undefined, realToolCalls = true): ChatFinishReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return realToolCalls ? "tool_calls" : "stop";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    default:
      return "stop";
  }
}

/** Converse usage → OpenAI usage (cache reads are also reported as `cached_tokens`). */
export function convertBedrockUsage(usage: BedrockUsage | undefined): CompletionUsage {
  const cacheRead = count(usage?.cacheReadInputTokens);
  const prompt = count(usage?.inputTokens) + cacheRead + count(usage?.cacheWriteInputTokens);
  const completion = count(usage?.outputTokens);
  const out: CompletionUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) out.prompt_tokens_details = { cached_tokens: cacheRead };
  return out;
}

/**
 * Converts a Converse response into an OpenAI chat completion.
 * @throws ProviderError `MM_INVALID_RESPONSE` when the body is not a Converse response.
 */
export function convertFromConverse(json: unknown, context: BedrockResponseContext): ChatCompletion {
  const response = json as Partial<BedrockConverseResponse> | null;
  const content = response?.output?.message?.content;
  if (typeof response !== "object" || response === null || !Array.isArray(content)) {
    throw invalidBedrockResponse("the body is not a Converse response (output.message.content is not an array)", context.errorContext ?? {});
  }
  let text = "";
  let answer: string | undefined;
  const toolCalls: ChatToolCall[] = [];
  for (const block of content) {
    if (typeof block?.text === "string") text += block.text;
    else if (block?.toolUse && typeof block.toolUse.name === "string") {
      const args = JSON.stringify(block.toolUse.input ?? {});
      if (context.jsonTool !== undefined && block.toolUse.name === context.jsonTool) answer = args;
      else toolCalls.push({ id: String(block.toolUse.toolUseId ?? ""), type: "function", function: { name: block.toolUse.name, arguments: args } });
    }
  }
  const message: ChatCompletionMessage = { role: "assistant", content: answer ?? (text !== "" || toolCalls.length === 0 ? text : null) };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: context.id,
    object: "chat.completion",
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, finish_reason: mapBedrockStopReason(response.stopReason, toolCalls.length > 0) ?? "stop", logprobs: null }],
    usage: convertBedrockUsage(response.usage),
  };
}

function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
