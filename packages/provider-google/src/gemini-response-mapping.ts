import {
  ProviderError,
  formatMessage,
  type ChatCompletion,
  type ChatCompletionChoice,
  type ChatFinishReason,
  type ChatToolCall,
  type CompletionUsage,
} from "@modelmesh/core";
import type { GeminiCandidate, GeminiFunctionCall, GeminiGenerateContentResponse, GeminiUsageMetadata } from "./gemini-wire.js";

/**
 * Gemini `GenerateContentResponse` → OpenAI chat completion. Pure. Gemini's quirks handled here:
 *
 * - a candidate's `content.parts` mix text, thought summaries (`thought: true`, never shown as content) and
 *   whole `functionCall`s; text parts are concatenated into `content`, calls become `tool_calls` with their
 *   `args` object JSON-stringified into `arguments`;
 * - Gemini's Developer API gives calls no id (a few newer models do: then it is kept). OpenAI clients need one
 *   to answer the call, so a stable id is minted from the response id, the candidate index and the call's
 *   position: the same response always yields the same ids, and a stream yields the ids the equivalent
 *   non-streamed response would;
 * - thinking models sign their function calls (`thoughtSignature` on the part) and expect the signature back
 *   with the call in the next turn (Gemini 3 rejects a call without it). OpenAI has no field for it, so it
 *   travels as `tool_calls[].extra_content.google.thought_signature` — the convention of Google's own
 *   OpenAI-compatible endpoint — which clients echo back with the assistant message;
 * - `finishReason` STOP means "done" even when the turn is a function call: it becomes `tool_calls` when the
 *   candidate called a function; MAX_TOKENS → `length`; the safety family (SAFETY, RECITATION, BLOCKLIST,
 *   PROHIBITED_CONTENT, SPII and the IMAGE_* variants) → `content_filter`; the rest (OTHER, LANGUAGE,
 *   MALFORMED_FUNCTION_CALL, …) → `stop`;
 * - a prompt blocked before generation has no candidates, only `promptFeedback.blockReason`: that is a
 *   `content_filter` error, not an empty answer;
 * - usage: `promptTokenCount` (+ `toolUsePromptTokenCount`) → `prompt_tokens`; `candidatesTokenCount` +
 *   `thoughtsTokenCount` → `completion_tokens` (thinking is billed as output), the thoughts also reported as
 *   `completion_tokens_details.reasoning_tokens`; `cachedContentTokenCount` → `cached_tokens`.
 */

const FILTERED = new Set([
  "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
]);

/** What the response mapping needs besides the JSON. */
export interface GeminiResponseContext {
  /** The model requested (used when the response names none). */
  model: string;
  /** `created`, in epoch seconds. */
  created: number;
  /** Id base when the response has no `responseId` (the provider mints one per call). */
  fallbackId: string;
}

/** Maps Gemini's finish reason; `undefined` (still generating) → `null`. */
export function mapGeminiFinishReason(reason: string | undefined, calledFunction: boolean): ChatFinishReason | null {
  if (reason === undefined || reason === "") return null;
  if (reason === "MAX_TOKENS") return "length";
  if (FILTERED.has(reason)) return "content_filter";
  return calledFunction ? "tool_calls" : "stop";
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** Maps `usageMetadata` to OpenAI usage (see the module comment); undefined when absent. */
export function convertGeminiUsage(usage: GeminiUsageMetadata | undefined): CompletionUsage | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const prompt = count(usage.promptTokenCount) + count(usage.toolUsePromptTokenCount);
  const thoughts = count(usage.thoughtsTokenCount);
  const completion = count(usage.candidatesTokenCount) + thoughts;
  const out: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: count(usage.totalTokenCount) || prompt + completion,
  };
  if (thoughts > 0) out.completion_tokens_details = { reasoning_tokens: thoughts };
  if (count(usage.cachedContentTokenCount) > 0) out.prompt_tokens_details = { cached_tokens: count(usage.cachedContentTokenCount) };
  return out;
}

/** Id base from the response id, safe for use inside a tool call id. */
export function responseIdBase(response: GeminiGenerateContentResponse, fallback: string): string {
  const id = typeof response.responseId === "string" ? response.responseId.replace(/[^A-Za-z0-9_-]/g, "") : "";
  return id !== "" ? id : fallback;
}

/** The id of the `position`-th function call of candidate `candidate` (see the module comment). */
export function toolCallId(call: GeminiFunctionCall, base: string, candidate: number, position: number): string {
  return typeof call.id === "string" && call.id !== "" ? call.id : `call_${base}_${candidate}_${position}`;
}

/** Google's extension of an OpenAI tool call: the part's thought signature (see the module comment). */
export interface GeminiToolCallExtra {
  extra_content?: { google?: { thought_signature?: string } };
}

/** `extra_content` carrying a thought signature, or nothing. */
export function thoughtSignatureExtra(signature: string | undefined): GeminiToolCallExtra {
  return typeof signature === "string" && signature !== "" ? { extra_content: { google: { thought_signature: signature } } } : {};
}

/** The OpenAI tool call of a Gemini function call part. */
export function toToolCall(call: GeminiFunctionCall, id: string, signature?: string): ChatToolCall & GeminiToolCallExtra {
  return { id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) }, ...thoughtSignatureExtra(signature) };
}

/** The error of a prompt Gemini blocked (no candidates, `promptFeedback.blockReason` set). */
export function promptBlockedError(response: GeminiGenerateContentResponse): ProviderError | undefined {
  const reason = response.promptFeedback?.blockReason;
  if (!reason || (Array.isArray(response.candidates) && response.candidates.length > 0)) return undefined;
  const detail = response.promptFeedback?.blockReasonMessage ? ` (${response.promptFeedback.blockReasonMessage})` : "";
  return new ProviderError({
    code: "MM_CONTENT_FILTER",
    category: "content_filter",
    retryable: false,
    message: formatMessage("google.gemini.v1", `the prompt was blocked: ${reason}${detail}`, "Rephrase the prompt or adjust safetySettings (extra_body.google.safetySettings)"),
    metadata: { blockReason: reason },
  });
}

function choiceOf(candidate: GeminiCandidate, position: number, base: string): ChatCompletionChoice {
  const index = typeof candidate.index === "number" ? candidate.index : position;
  let text = "";
  let sawText = false;
  const toolCalls: ChatToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought === true) continue;
    if (typeof part.text === "string") {
      text += part.text;
      sawText = true;
    }
    if (part.functionCall) toolCalls.push(toToolCall(part.functionCall, toolCallId(part.functionCall, base, index, toolCalls.length), part.thoughtSignature));
  }
  const finish = mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0) ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
  return {
    index,
    message: { role: "assistant", content: sawText ? text : null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
    finish_reason: finish,
    logprobs: null,
  };
}

/**
 * Converts a `generateContent` response into an OpenAI chat completion.
 * @throws ProviderError `MM_CONTENT_FILTER` when the prompt was blocked; a `SyntaxError` when the JSON is not a
 * Gemini response (the provider reports it as `MM_INVALID_RESPONSE`).
 */
export function convertFromGeminiResponse(json: unknown, context: GeminiResponseContext): ChatCompletion {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new SyntaxError("the body is not a GenerateContentResponse object");
  const response = json as GeminiGenerateContentResponse;
  const blocked = promptBlockedError(response);
  if (blocked) throw blocked;
  if (!Array.isArray(response.candidates) || response.candidates.length === 0) throw new SyntaxError("the response has no candidates");
  const base = responseIdBase(response, context.fallbackId);
  const completion: ChatCompletion = {
    id: `chatcmpl-${base}`,
    object: "chat.completion",
    created: context.created,
    model: typeof response.modelVersion === "string" && response.modelVersion !== "" ? response.modelVersion : context.model,
    choices: response.candidates.map((candidate, position) => choiceOf(candidate, position, base)),
  };
  const usage = convertGeminiUsage(response.usageMetadata);
  if (usage) completion.usage = usage;
  return completion;
}
