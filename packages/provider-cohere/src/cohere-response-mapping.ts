import type { ChatCompletion, ChatCompletionMessage, ChatFinishReason, ChatToolCall, CompletionUsage } from "@modelmesh/core";
import { cohereStreamError, invalidCohereResponse, type CohereErrorContext } from "./cohere-error-mapping.js";
import type { CohereChatResponse, CohereUsage } from "./cohere-wire.js";

/**
 * Cohere `POST /v2/chat` answer → OpenAI chat completion (pure).
 * - `message.content[]` `text` items are concatenated into `content`; `thinking` items are not part of the
 *   OpenAI answer and are skipped; `citations` are not mapped (OpenAI has no place for them);
 * - `message.tool_calls` become `tool_calls` (ids and JSON `arguments` kept); the `tool_plan` (the model's
 *   words before its calls) becomes the content when the message has no text of its own;
 * - `finish_reason`: see {@link mapCohereFinishReason}; `ERROR` and `TIMEOUT` throw a retryable `server` error;
 * - `usage`: `tokens.input_tokens` / `output_tokens` (what the model processed), else `billed_units`;
 *   `cached_tokens` becomes `prompt_tokens_details.cached_tokens`;
 * - the answer has no model field: the completion reports the requested model.
 */

/** What the response mapping needs to know about the request. */
export interface CohereResponseContext {
  /** The model asked for (Cohere's answer does not repeat it). */
  model: string;
  /** `created` of the completion, epoch seconds. */
  created: number;
  /** For errors. */
  errorContext?: CohereErrorContext;
}

/**
 * Maps a Cohere finish reason: `COMPLETE` / `STOP_SEQUENCE` → `stop`, `MAX_TOKENS` → `length`, `TOOL_CALL` →
 * `tool_calls`. `ERROR` / `TIMEOUT` are failures (the caller throws); missing → null; unknown → `stop`.
 */
export function mapCohereFinishReason(reason: string | null | undefined): ChatFinishReason | "error" | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case "MAX_TOKENS":
      return "length";
    case "TOOL_CALL":
      return "tool_calls";
    case "ERROR":
    case "TIMEOUT":
      return "error";
    default:
      return "stop";
  }
}

/** Cohere usage → OpenAI usage (processed tokens first, billed units as the fallback). */
export function convertCohereUsage(usage: CohereUsage | null | undefined): CompletionUsage {
  const prompt = count(usage?.tokens?.input_tokens) ?? count(usage?.billed_units?.input_tokens) ?? 0;
  const completion = count(usage?.tokens?.output_tokens) ?? count(usage?.billed_units?.output_tokens) ?? 0;
  const out: CompletionUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = count(usage?.cached_tokens);
  if (cached !== undefined && cached > 0) out.prompt_tokens_details = { cached_tokens: cached };
  return out;
}

/** True for a body with the shape of a v2 chat answer. */
export function isCohereChatResponse(value: unknown): value is CohereChatResponse {
  if (typeof value !== "object" || value === null) return false;
  const message = (value as { message?: unknown }).message;
  return typeof message === "object" && message !== null && (value as { finish_reason?: unknown }).finish_reason !== undefined;
}

/**
 * Converts a v2 chat answer into an OpenAI chat completion.
 * @throws ProviderError `MM_INVALID_RESPONSE` when the body is not a chat answer, `MM_SERVER` for a
 * `finish_reason` of `ERROR` or `TIMEOUT`.
 */
export function convertFromCohereResponse(json: unknown, context: CohereResponseContext): ChatCompletion {
  const errorContext = context.errorContext ?? {};
  if (!isCohereChatResponse(json)) {
    const message = (json as { message?: unknown } | null)?.message;
    if (typeof message === "string") throw cohereStreamError(message, errorContext, "body");
    throw invalidCohereResponse("the body is not a v2 chat answer (message and finish_reason)", errorContext);
  }
  const finish = mapCohereFinishReason(json.finish_reason);
  if (finish === "error") throw cohereStreamError(String((json as { error?: unknown }).error ?? "generation failed"), errorContext, "body", String(json.finish_reason));
  let text = "";
  for (const item of json.message.content ?? []) if (item?.type === "text" && typeof item.text === "string") text += item.text;
  const toolCalls: ChatToolCall[] = (json.message.tool_calls ?? []).map((call) => ({
    id: String(call.id ?? ""),
    type: "function",
    function: { name: String(call.function?.name ?? ""), arguments: typeof call.function?.arguments === "string" ? call.function.arguments : JSON.stringify(call.function?.arguments ?? {}) },
  }));
  const plan = typeof json.message.tool_plan === "string" ? json.message.tool_plan : "";
  const content = text !== "" ? text : toolCalls.length > 0 ? (plan !== "" ? plan : null) : "";
  const message: ChatCompletionMessage = { role: "assistant", content };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: String(json.id ?? ""),
    object: "chat.completion",
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, finish_reason: finish ?? (toolCalls.length > 0 ? "tool_calls" : "stop"), logprobs: null }],
    usage: convertCohereUsage(json.usage),
  };
}

function count(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
