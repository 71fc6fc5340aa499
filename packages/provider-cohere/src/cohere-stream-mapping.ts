import { chatStream, completionToChunks, raceTimeout, splitUsage, SseEventReader, type ChatStreamOptions, type SseEvent } from "@modelmesh/cdk";
import type { ChatCompletionChunk, ChatCompletionDelta, ChatFinishReason, Clock } from "@modelmesh/core";
import { cohereStreamError, invalidCohereResponse, type CohereErrorContext } from "./cohere-error-mapping.js";
import { convertCohereUsage, convertFromCohereResponse, mapCohereFinishReason } from "./cohere-response-mapping.js";
import type { CohereUsage } from "./cohere-wire.js";

/**
 * Cohere v2 chat stream → OpenAI chat chunks. The bytes go through cdk's `SseEventReader` (bounded events)
 * and `chatStream` (timers, malformed-event and truncation rules); this file adds Cohere's event grammar
 * (https://docs.cohere.com/reference/chat-stream):
 *
 * | Cohere event | OpenAI chunk |
 * |---|---|
 * | `message-start` | first chunk: `delta.role = "assistant"`, the message id |
 * | `content-start` / `content-delta` (text) | `delta.content` |
 * | `tool-plan-delta` | `delta.content` (the model's words before its tool calls, as the non-streamed answer reports them) |
 * | `tool-call-start` | `tool_calls[{index, id, type, function: {name, arguments}}]` |
 * | `tool-call-delta` | `tool_calls[{index, function: {arguments}}]` |
 * | `message-end` | a `finish_reason` chunk, then a usage-only chunk (`choices: []`); the stream ends there |
 * | `message-end` with `finish_reason` `ERROR` / `TIMEOUT` | a classified `ProviderError` is thrown (`server`, retryable) |
 * | `content-end`, `tool-call-end`, `citation-*`, `debug`, thinking deltas, unknown events | nothing |
 *
 * `message-end` is Cohere's terminal event: a body that closes before it throws `MM_STREAM_INTERRUPTED`
 * (cdk's `chatStream` rule: no finish reason was seen), a `data: [DONE]` after it is not needed.
 */

/** What the stream mapping needs to know about the request. */
export interface CohereStreamContext {
  /** `created` of every chunk, epoch seconds. */
  created: number;
  /** The model asked for (Cohere's events do not name it). */
  model: string;
  /** For the error of a failed `message-end`. */
  errorContext: CohereErrorContext;
}

type Json = Record<string, unknown>;

/** Stateful mapper for ONE stream: keeps the message id and the tool-call indexes. */
export class CohereStreamMapper {
  readonly #context: CohereStreamContext;
  readonly #tools = new Map<number, number>();
  #id = "";

  constructor(context: CohereStreamContext) {
    this.#context = context;
  }

  /** Maps one parsed event payload to a chunk, or `null` to skip it. Throws a `SyntaxError` for non-events. */
  map(data: unknown): ChatCompletionChunk | null {
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new SyntaxError("stream event is not a JSON object");
    const event = data as Json;
    const message = (((event.delta ?? {}) as Json).message ?? {}) as Json;
    switch (event.type) {
      case "message-start":
        if (typeof event.id === "string") this.#id = event.id;
        return this.#chunk({ role: "assistant", content: "" });
      case "content-start":
      case "content-delta": {
        const text = ((message.content ?? {}) as Json).text;
        return typeof text === "string" && text !== "" ? this.#chunk({ content: text }) : null;
      }
      case "tool-plan-delta":
        return typeof message.tool_plan === "string" && message.tool_plan !== "" ? this.#chunk({ content: message.tool_plan }) : null;
      case "tool-call-start": {
        const call = (message.tool_calls ?? {}) as Json;
        const fn = (call.function ?? {}) as Json;
        if (typeof fn.name !== "string") throw new SyntaxError("tool-call-start without a function name");
        const index = this.#tools.size;
        this.#tools.set(Number(event.index ?? index), index);
        const args = typeof fn.arguments === "string" ? fn.arguments : "";
        return this.#chunk({ tool_calls: [{ index, id: String(call.id ?? ""), type: "function", function: { name: fn.name, arguments: args } }] });
      }
      case "tool-call-delta": {
        const index = this.#tools.get(Number(event.index ?? 0));
        if (index === undefined) throw new SyntaxError(`tool-call-delta for tool call ${String(event.index)}, which never started`);
        const args = (((message.tool_calls ?? {}) as Json).function as Json | undefined)?.arguments;
        return typeof args === "string" && args !== "" ? this.#chunk({ tool_calls: [{ index, function: { arguments: args } }] }) : null;
      }
      case "message-end": {
        const delta = (event.delta ?? {}) as { finish_reason?: string | null; usage?: CohereUsage | null; error?: string | null };
        if (typeof event.id === "string" && this.#id === "") this.#id = event.id;
        const finish = mapCohereFinishReason(delta.finish_reason);
        if (finish === "error") throw cohereStreamError(String(delta.error ?? "generation failed"), this.#context.errorContext, "stream", String(delta.finish_reason));
        const reason: ChatFinishReason = finish ?? (this.#tools.size > 0 ? "tool_calls" : "stop");
        return { ...this.#chunk({}, reason), usage: convertCohereUsage(delta.usage) };
      }
      default:
        // content-end, tool-call-end, citation-start / citation-end, debug, future event types.
        return null;
    }
  }

  #chunk(delta: ChatCompletionDelta, finish: ChatFinishReason | null = null): ChatCompletionChunk {
    return { id: this.#id, object: "chat.completion.chunk", created: this.#context.created, model: this.#context.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}

/** Adapts Cohere SSE events for `chatStream`: `message-end` is followed by `[DONE]`, so the stream ends there. */
export async function* cohereSseEvents(events: AsyncIterable<SseEvent>): AsyncGenerator<SseEvent> {
  for await (const event of events) {
    yield event;
    if (event.event === "message-end" || (event.event === undefined && /"type"\s*:\s*"message-end"/.test(event.data))) {
      yield { data: "[DONE]" };
      return;
    }
  }
}

/** Options of {@link cohereChatStream}: the stream context plus cdk's timers. */
export interface CohereChatStreamOptions extends Omit<ChatStreamOptions, "parseChunk" | "context" | "clock"> {
  stream: CohereStreamContext;
  clock: Clock;
  /** Largest single event (cdk's `SseEventReader` limit; default 1 MiB): past it `MM_RESPONSE_TOO_LARGE`. */
  maxEventSize?: number;
}

/** Reads a Cohere event stream body as OpenAI chunks, ending with a usage-only chunk. */
export async function* cohereChatStream(body: AsyncIterable<Uint8Array>, options: CohereChatStreamOptions): AsyncGenerator<ChatCompletionChunk> {
  const { stream, maxEventSize, ...timing } = options;
  const context = stream.errorContext;
  const mapper = new CohereStreamMapper(stream);
  const progress = { pendingBytes: 0 };
  const sse = new SseEventReader(body, { ...(maxEventSize !== undefined ? { maxEventSize } : {}), context, progress });
  for await (const chunk of chatStream(cohereSseEvents(sse), { ...timing, context, progress, parseChunk: (data) => mapper.map(data) })) yield* splitUsage(chunk);
}

/**
 * Reads a stream request's JSON answer (a proxy's, or a misbehaving upstream's) within `idleMs`: an error body
 * throws, a whole chat answer becomes {@link completionToChunks}.
 */
export async function* cohereJsonStream(text: Promise<string>, options: { idleMs?: number; clock: Clock; cancel: () => unknown; stream: CohereStreamContext }): AsyncGenerator<ChatCompletionChunk> {
  const { clock, stream } = options;
  const onTimeout = () => void Promise.resolve(options.cancel()).catch(() => {});
  const body = await raceTimeout(text, options.idleMs && options.idleMs > 0 ? options.idleMs : Infinity, undefined, { clock, operation: `provider ${stream.errorContext.provider ?? "cohere"}`, onTimeout });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw invalidCohereResponse("expected an event stream, got a body that is neither SSE nor JSON", stream.errorContext, error);
  }
  yield* completionToChunks(convertFromCohereResponse(json, { model: stream.model, created: stream.created, errorContext: stream.errorContext }));
}

