import { chatStream, completionToChunks, raceTimeout, splitUsage, SseEventReader, type ChatStreamOptions, type SseEvent } from "@modelmesh/cdk";
import type { ChatCompletionChunk, ChatCompletionDelta, ChatFinishReason, Clock } from "@modelmesh/core";
import { anthropicStreamError, invalidAnthropicResponse, type AnthropicErrorContext } from "./anthropic-error-mapping.js";
import { convertAnthropicUsage, convertFromAnthropicMessage, mapAnthropicStopReason } from "./anthropic-response-mapping.js";
import type { AnthropicResponseBlock, AnthropicUsage } from "./anthropic-wire.js";

/**
 * Anthropic's typed SSE stream → OpenAI chat chunks. The bytes go through cdk's `parseSse` and `chatStream`
 * (timers, malformed-event and truncation rules); this file adds the Anthropic event grammar
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 *
 * | Anthropic event | OpenAI chunk |
 * |---|---|
 * | `message_start` | first chunk: `delta.role = "assistant"`, id and model of the message |
 * | `content_block_start` `tool_use` | `tool_calls[{index, id, type, function: {name, arguments: ""}}]` |
 * | `content_block_delta` `text_delta` | `delta.content` |
 * | `content_block_delta` `input_json_delta` | `tool_calls[{index, function: {arguments: partial_json}}]` |
 * | `message_delta` (stop_reason + usage) | a `finish_reason` chunk, then a usage-only chunk (`choices: []`) |
 * | `message_stop` | end of stream (handed to `chatStream` as `[DONE]`) |
 * | `error` | a classified `ProviderError` is thrown (e.g. `overloaded_error` → server, retryable) |
 * | `ping`, `content_block_stop`, thinking / signature / citation deltas, unknown events | nothing |
 *
 * Tool-call `index` counts tool calls (0, 1, …), not Anthropic content blocks. A body that closes after a
 * `message_delta` with a stop reason but before `message_stop` is complete and ends cleanly; one that closes
 * earlier throws `MM_STREAM_INTERRUPTED` (cdk's `chatStream` rule).
 */

/** What the stream mapping needs to know about the request. */
export interface AnthropicStreamContext {
  /** Name of the structured-output answer tool: its input deltas become content deltas. */
  jsonTool?: string;
  /** `created` of every chunk, epoch seconds. */
  created: number;
  /** Model id used until `message_start` names the real one. */
  model: string;
}

type BlockKind = { kind: "text" } | { kind: "tool"; index: number } | { kind: "json" } | { kind: "skip" };

/** Stateful mapper for ONE stream: keeps the message id, block kinds, tool indexes and cumulative usage. */
export class AnthropicStreamMapper {
  readonly #context: AnthropicStreamContext;
  readonly #blocks = new Map<number, BlockKind>();
  #id = "";
  #model: string;
  #tools = 0;
  #usage: AnthropicUsage = {};

  constructor(context: AnthropicStreamContext) {
    this.#context = context;
    this.#model = context.model;
  }

  /** Maps one parsed event payload to a chunk, or `null` to skip it. Throws a `SyntaxError` for non-events. */
  map(data: unknown): ChatCompletionChunk | null {
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new SyntaxError("stream event is not a JSON object");
    const event = data as Record<string, unknown>;
    switch (event.type) {
      case "message_start": {
        const message = (event.message ?? {}) as { id?: unknown; model?: unknown; usage?: AnthropicUsage };
        if (typeof message.id === "string") this.#id = message.id;
        if (typeof message.model === "string" && message.model !== "") this.#model = message.model;
        this.#mergeUsage(message.usage);
        return this.#chunk({ role: "assistant", content: "" });
      }
      case "content_block_start":
        return this.#blockStart(Number(event.index), (event.content_block ?? {}) as AnthropicResponseBlock);
      case "content_block_delta":
        return this.#blockDelta(Number(event.index), (event.delta ?? {}) as { type?: string; text?: string; partial_json?: string });
      case "message_delta": {
        this.#mergeUsage(event.usage as AnthropicUsage | undefined);
        const delta = (event.delta ?? {}) as { stop_reason?: string | null };
        const finish = mapAnthropicStopReason(delta.stop_reason, this.#tools > 0);
        // Without a stop reason there is nothing to report yet: usage is kept for the final chunk.
        return finish === null ? null : { ...this.#chunk({}, finish), usage: convertAnthropicUsage(this.#usage) };
      }
      default:
        // ping, content_block_stop, message_stop (ends the stream before reaching here), future event types.
        return null;
    }
  }

  #blockStart(index: number, block: AnthropicResponseBlock): ChatCompletionChunk | null {
    if (block.type === "text") {
      this.#blocks.set(index, { kind: "text" });
      return block.text ? this.#chunk({ content: block.text }) : null;
    }
    if (block.type !== "tool_use" || typeof block.name !== "string") {
      this.#blocks.set(index, { kind: "skip" });
      return null;
    }
    if (this.#context.jsonTool !== undefined && block.name === this.#context.jsonTool) {
      this.#blocks.set(index, { kind: "json" });
      return null;
    }
    const toolIndex = this.#tools++;
    this.#blocks.set(index, { kind: "tool", index: toolIndex });
    // `input` is `{}` at the start (arguments follow as input_json_delta); a non-empty one is sent whole.
    const input = block.input;
    const initial = typeof input === "object" && input !== null && Object.keys(input).length > 0 ? JSON.stringify(input) : "";
    return this.#chunk({ tool_calls: [{ index: toolIndex, id: String(block.id ?? ""), type: "function", function: { name: block.name, arguments: initial } }] });
  }

  #blockDelta(index: number, delta: { type?: string; text?: string; partial_json?: string }): ChatCompletionChunk | null {
    if (delta.type === "text_delta") return typeof delta.text === "string" && delta.text !== "" ? this.#chunk({ content: delta.text }) : null;
    if (delta.type !== "input_json_delta") return null; // thinking_delta, signature_delta, citations_delta
    const block = this.#blocks.get(index);
    if (block === undefined) throw new SyntaxError(`input_json_delta for content block ${index}, which never started`);
    const partial = delta.partial_json ?? "";
    if (partial === "" || block.kind === "skip" || block.kind === "text") return null;
    if (block.kind === "json") return this.#chunk({ content: partial });
    return this.#chunk({ tool_calls: [{ index: block.index, function: { arguments: partial } }] });
  }

  /** Stream usage is cumulative: later non-null values replace earlier ones. */
  #mergeUsage(usage: AnthropicUsage | undefined): void {
    if (!usage) return;
    for (const [key, value] of Object.entries(usage)) if (value !== null && value !== undefined) (this.#usage as Record<string, unknown>)[key] = value;
  }

  #chunk(delta: ChatCompletionDelta, finish: ChatFinishReason | null = null): ChatCompletionChunk {
    return { id: this.#id, object: "chat.completion.chunk", created: this.#context.created, model: this.#model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}

/**
 * Adapts Anthropic SSE events for `chatStream`: `message_stop` becomes `[DONE]` (so the stream ends there and
 * the body's tail is drained), and an `error` event throws `onError(payload)` at once. Other events pass.
 */
export async function* anthropicSseEvents(events: AsyncIterable<SseEvent>, onError: (payload: unknown) => unknown): AsyncGenerator<SseEvent> {
  for await (const event of events) {
    const type = event.event ?? typeOf(event.data);
    if (type === "error") throw onError(tryJson(event.data) ?? event.data);
    yield type === "message_stop" ? { ...event, data: "[DONE]" } : event;
  }
}

/** Options of {@link anthropicChatStream}: the stream context plus cdk's timers and error context. */
export interface AnthropicChatStreamOptions extends Omit<ChatStreamOptions, "parseChunk" | "context" | "clock"> {
  stream: AnthropicStreamContext;
  clock: Clock;
  context: AnthropicErrorContext;
  /** Largest single event (cdk's `parseSse` limit; default 1 MiB): past it `MM_RESPONSE_TOO_LARGE`. */
  maxEventSize?: number;
}

/** Reads an Anthropic event stream body as OpenAI chunks, ending with a usage-only chunk. */
export async function* anthropicChatStream(body: AsyncIterable<Uint8Array>, options: AnthropicChatStreamOptions): AsyncGenerator<ChatCompletionChunk> {
  const { stream, context, maxEventSize, ...timing } = options;
  const mapper = new AnthropicStreamMapper(stream);
  const progress = { pendingBytes: 0 };
  const sse = new SseEventReader(body, { ...(maxEventSize !== undefined ? { maxEventSize } : {}), context, progress });
  const events = anthropicSseEvents(sse, (payload) => anthropicStreamError(payload, context, options.clock.now()));
  for await (const chunk of chatStream(events, { ...timing, context, progress, parseChunk: (data) => mapper.map(data) })) yield* splitUsage(chunk);
}

/**
 * Reads a stream request's JSON answer (a proxy's, or a misbehaving upstream's) within `idleMs`: an error
 * envelope throws the classified error, a whole message becomes {@link completionToChunks}.
 */
export async function* anthropicJsonStream(
  text: Promise<string>,
  options: { idleMs?: number; clock: Clock; cancel: () => unknown; context: AnthropicErrorContext; stream: AnthropicStreamContext },
): AsyncGenerator<ChatCompletionChunk> {
  const { clock, context, stream } = options;
  const onTimeout = () => void Promise.resolve(options.cancel()).catch(() => {});
  const body = await raceTimeout(text, options.idleMs && options.idleMs > 0 ? options.idleMs : Infinity, undefined, { clock, operation: `provider ${context.provider ?? "anthropic"}`, onTimeout });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw invalidAnthropicResponse("expected an event stream, got a body that is neither SSE nor JSON", context, error);
  }
  if ((json as { type?: unknown })?.type === "error") throw anthropicStreamError(json, context, clock.now(), "body");
  const completion = convertFromAnthropicMessage(json, { created: stream.created, errorContext: context, ...(stream.jsonTool ? { jsonTool: stream.jsonTool } : {}) });
  yield* completionToChunks(completion);
}


function typeOf(data: string): string | undefined {
  const json = tryJson(data);
  return typeof json === "object" && json !== null && typeof (json as { type?: unknown }).type === "string" ? (json as { type: string }).type : undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
