import type { ChatCompletionChunk, ChatCompletionChunkChoice, ChatToolCallDelta, Clock } from "@modelmesh/core";
import type { SseEvent } from "@modelmesh/cdk";
import { googleStreamError, parseGoogleError, type GeminiErrorContext } from "./gemini-error-mapping.js";
import {
  convertGeminiUsage,
  mapGeminiFinishReason,
  promptBlockedError,
  responseIdBase,
  thoughtSignatureExtra,
  toolCallId,
  type GeminiResponseContext,
} from "./gemini-response-mapping.js";
import type { GeminiGenerateContentResponse, GeminiUsageMetadata } from "./gemini-wire.js";

/**
 * `streamGenerateContent?alt=sse` → OpenAI chunks. Each SSE `data:` event is a whole GenerateContentResponse
 * carrying the NEW text of each candidate (not the text so far) and the usage so far. There is no `[DONE]`:
 * the last event has the candidate's `finishReason` and the final `usageMetadata`, then the body ends. So:
 *
 * - text parts become `content` deltas; thought summaries are skipped;
 * - function calls arrive whole (Gemini never fragments them): each becomes ONE tool-call delta with its
 *   `index` (counted per candidate), a stable id (see `gemini-response-mapping.ts`), the name and the full
 *   JSON arguments (and the part's thought signature in `extra_content.google`);
 * - the chunk carrying a candidate's `finishReason` carries the OpenAI `finish_reason` (`tool_calls` when that
 *   candidate called a function), and once every candidate has finished, the final `usage`;
 * - events without output (a role-only start, thought-only progress) yield nothing;
 * - the end of the body ends the stream: cleanly if a finish reason was seen, otherwise it is an interruption
 *   (the CDK's `chatStream` applies that rule, and the first-token / idle timeouts).
 * Errors: `{"error": {...}}` inside the stream (Google sends the Status envelope as an event when a request
 * fails after the 200) → a classified `ProviderError` via {@link geminiSseEvents}; a blocked prompt
 * (`promptFeedback.blockReason`, no candidates) → `MM_CONTENT_FILTER`.
 */

interface CandidateState {
  started: boolean;
  toolCalls: number;
  finished: boolean;
}

/** Maps the events of one stream (stateful: create one per stream). */
export class GeminiStreamMapper {
  readonly #context: GeminiResponseContext;
  readonly #candidates = new Map<number, CandidateState>();
  #base: string | undefined;
  #usage: GeminiUsageMetadata | undefined;
  #usageSent = false;

  constructor(context: GeminiResponseContext) {
    this.#context = context;
  }

  /**
   * Maps one parsed event payload to a chunk, or `null` when it carries nothing to show.
   * @throws ProviderError `MM_CONTENT_FILTER` for a blocked prompt; `SyntaxError` for a payload that is not a
   * GenerateContentResponse object (reported as a malformed chunk).
   */
  map(json: unknown): ChatCompletionChunk | null {
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new SyntaxError("stream event is not a GenerateContentResponse object");
    const response = json as GeminiGenerateContentResponse;
    const blocked = promptBlockedError(response);
    if (blocked) throw blocked;
    this.#base ??= responseIdBase(response, this.#context.fallbackId);
    if (response.usageMetadata) this.#usage = response.usageMetadata;
    const choices: ChatCompletionChunkChoice[] = [];
    (response.candidates ?? []).forEach((candidate, position) => {
      const choice = this.#choice(candidate, position);
      if (choice) choices.push(choice);
    });
    const allFinished = this.#candidates.size > 0 && [...this.#candidates.values()].every((state) => state.finished);
    const withUsage = allFinished && !this.#usageSent && this.#usage !== undefined;
    if (choices.length === 0 && !withUsage) return null;
    const chunk: ChatCompletionChunk = {
      id: `chatcmpl-${this.#base}`,
      object: "chat.completion.chunk",
      created: this.#context.created,
      model: typeof response.modelVersion === "string" && response.modelVersion !== "" ? response.modelVersion : this.#context.model,
      choices,
    };
    if (withUsage) {
      const usage = convertGeminiUsage(this.#usage);
      if (usage) chunk.usage = usage;
      this.#usageSent = true;
    }
    return chunk;
  }

  #choice(candidate: NonNullable<GeminiGenerateContentResponse["candidates"]>[number], position: number): ChatCompletionChunkChoice | undefined {
    const index = typeof candidate.index === "number" ? candidate.index : position;
    let state = this.#candidates.get(index);
    if (!state) {
      state = { started: false, toolCalls: 0, finished: false };
      this.#candidates.set(index, state);
    }
    let text = "";
    const toolCalls: ChatToolCallDelta[] = [];
    for (const part of candidate.content?.parts ?? []) {
      if (part.thought === true) continue;
      if (typeof part.text === "string") text += part.text;
      if (part.functionCall) {
        const id = toolCallId(part.functionCall, this.#base ?? this.#context.fallbackId, index, state.toolCalls);
        const args = JSON.stringify(part.functionCall.args ?? {});
        toolCalls.push({ index: state.toolCalls, id, type: "function", function: { name: part.functionCall.name, arguments: args }, ...thoughtSignatureExtra(part.thoughtSignature) });
        state.toolCalls += 1;
      }
    }
    const finish = state.finished ? null : mapGeminiFinishReason(candidate.finishReason, state.toolCalls > 0);
    if (finish !== null) state.finished = true;
    if (text === "" && toolCalls.length === 0 && finish === null) return undefined;
    const delta: ChatCompletionChunkChoice["delta"] = state.started ? {} : { role: "assistant" };
    state.started = true;
    if (text !== "") delta.content = text;
    if (toolCalls.length > 0) delta.tool_calls = toolCalls;
    return { index, delta, finish_reason: finish };
  }
}

/**
 * Passes SSE events through, except a Google error envelope (`{"error": {code, message, status}}`), which is
 * thrown as a classified `ProviderError` (the CDK's generic stream-error classifier does not know Google's
 * status names or quota details). Cheap: only events mentioning `"error"` are parsed here.
 */
export async function* geminiSseEvents(events: AsyncIterable<SseEvent>, context: GeminiErrorContext, clock: Clock): AsyncGenerator<SseEvent> {
  for await (const event of events) {
    if (event.data.includes('"error"')) {
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        json = undefined; // malformed: the chunk layer reports it
      }
      const record = json as { candidates?: unknown } | undefined;
      if (record && record.candidates === undefined && parseGoogleError(json)) throw googleStreamError(json, context, clock.now());
    }
    yield event;
  }
}
