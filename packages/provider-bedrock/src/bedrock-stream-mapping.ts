import { chatStream, type ChatStreamOptions, type SseEvent } from "@modelmesh/cdk";
import type { ChatCompletionChunk, ChatCompletionDelta, ChatFinishReason, Clock } from "@modelmesh/core";
import { bedrockStreamError, type BedrockErrorContext } from "./bedrock-error-mapping.js";
import { convertBedrockUsage, mapBedrockStopReason } from "./bedrock-response-mapping.js";
import type { BedrockUsage } from "./bedrock-wire.js";
import { decodeEventStream, type EventStreamMessage } from "./eventstream.js";

/**
 * ConverseStream's event-stream messages → OpenAI chat chunks. Frames are decoded by `eventstream.ts`
 * (CRCs, sizes, truncation), then handed to cdk's `chatStream` (timers, malformed-event and end rules) as
 * events named by `:event-type` with the JSON payload as data:
 *
 * | Converse event | OpenAI chunk |
 * |---|---|
 * | `messageStart` | first chunk: `delta.role = "assistant"` |
 * | `contentBlockStart` `toolUse` | `tool_calls[{index, id, type, function: {name, arguments: ""}}]` |
 * | `contentBlockDelta` `text` | `delta.content` |
 * | `contentBlockDelta` `toolUse.input` | `tool_calls[{index, function: {arguments}}]` |
 * | `messageStop` (`stopReason`) | a `finish_reason` chunk |
 * | `metadata` (`usage`) | the usage-only chunk (`choices: []`) |
 * | `contentBlockStop`, reasoning deltas, unknown events | nothing |
 * | `:message-type: exception` / `error` frame | a classified `ProviderError` is thrown |
 *
 * The body ends after `metadata`; a body that ends before `messageStop` throws `MM_STREAM_INTERRUPTED`.
 */

/** What the stream mapping needs to know about the request. */
export interface BedrockStreamContext {
  id: string;
  model: string;
  created: number;
  jsonTool?: string;
}

type BlockKind = { kind: "text" } | { kind: "tool"; index: number } | { kind: "json" };

/** Stateful mapper for ONE stream. */
export class BedrockStreamMapper {
  readonly #context: BedrockStreamContext;
  readonly #blocks = new Map<number, BlockKind>();
  #tools = 0;

  constructor(context: BedrockStreamContext) {
    this.#context = context;
  }

  /** Maps one event payload (by event type) to a chunk, or `null` to skip it. Throws a `SyntaxError` for non-events. */
  map(type: string | undefined, data: unknown): ChatCompletionChunk | null {
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new SyntaxError("stream event payload is not a JSON object");
    const event = data as Record<string, unknown>;
    switch (type) {
      case "messageStart":
        return this.#chunk({ role: "assistant", content: "" });
      case "contentBlockStart":
        return this.#blockStart(Number(event.contentBlockIndex ?? 0), event.start as { toolUse?: { toolUseId?: string; name?: string } } | undefined);
      case "contentBlockDelta":
        return this.#blockDelta(Number(event.contentBlockIndex ?? 0), (event.delta ?? {}) as { text?: unknown; toolUse?: { input?: unknown } });
      case "messageStop": {
        const realTools = this.#tools > 0;
        return this.#chunk({}, mapBedrockStopReason(typeof event.stopReason === "string" ? event.stopReason : "end_turn", realTools) ?? "stop");
      }
      case "metadata": {
        if (typeof event.usage !== "object" || event.usage === null) return null;
        return { id: this.#context.id, object: "chat.completion.chunk", created: this.#context.created, model: this.#context.model, choices: [], usage: convertBedrockUsage(event.usage as BedrockUsage) };
      }
      default:
        return null;
    }
  }

  #blockStart(index: number, start: { toolUse?: { toolUseId?: string; name?: string } } | undefined): ChatCompletionChunk | null {
    const toolUse = start?.toolUse;
    if (!toolUse || typeof toolUse.name !== "string") return null;
    if (this.#context.jsonTool !== undefined && toolUse.name === this.#context.jsonTool) {
      this.#blocks.set(index, { kind: "json" });
      return null;
    }
    const toolIndex = this.#tools++;
    this.#blocks.set(index, { kind: "tool", index: toolIndex });
    return this.#chunk({ tool_calls: [{ index: toolIndex, id: String(toolUse.toolUseId ?? ""), type: "function", function: { name: toolUse.name, arguments: "" } }] });
  }

  #blockDelta(index: number, delta: { text?: unknown; toolUse?: { input?: unknown } }): ChatCompletionChunk | null {
    if (typeof delta.text === "string") return delta.text === "" ? null : this.#chunk({ content: delta.text });
    if (!delta.toolUse) return null; // reasoningContent, citations…
    const block = this.#blocks.get(index);
    if (block === undefined) throw new SyntaxError(`toolUse delta for content block ${index}, which never started`);
    const input = typeof delta.toolUse.input === "string" ? delta.toolUse.input : "";
    if (input === "") return null;
    if (block.kind === "json") return this.#chunk({ content: input });
    if (block.kind === "tool") return this.#chunk({ tool_calls: [{ index: block.index, function: { arguments: input } }] });
    return null;
  }

  #chunk(delta: ChatCompletionDelta, finish: ChatFinishReason | null = null): ChatCompletionChunk {
    return { id: this.#context.id, object: "chat.completion.chunk", created: this.#context.created, model: this.#context.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}

const DECODER = /* @__PURE__ */ new TextDecoder();

/**
 * Decoded messages → events for `chatStream`: an `event` message becomes `{event: <:event-type>, data:
 * <payload text>}`; an `exception` or `error` message throws `onError(type, payload)` at once.
 */
export async function* bedrockEvents(messages: AsyncIterable<EventStreamMessage>, onError: (type: string | undefined, payload: unknown) => unknown): AsyncGenerator<SseEvent> {
  for await (const message of messages) {
    const kind = message.headers[":message-type"];
    const text = DECODER.decode(message.payload);
    if (kind === "exception") throw onError(stringHeader(message.headers[":exception-type"]), tryJson(text) ?? text);
    if (kind === "error") {
      const code = stringHeader(message.headers[":error-code"]);
      throw onError(code, { message: stringHeader(message.headers[":error-message"]) ?? text });
    }
    const type = stringHeader(message.headers[":event-type"]);
    // `chatStream` treats an event named "error" as an error object: Converse has none by that name.
    yield { event: type === "error" ? "unknown" : type ?? "unknown", data: text };
  }
}

/** Options of {@link bedrockChatStream}. */
export interface BedrockChatStreamOptions extends Omit<ChatStreamOptions, "parseChunk" | "context" | "clock"> {
  stream: BedrockStreamContext;
  clock: Clock;
  context: BedrockErrorContext;
  /** Largest event-stream message, in bytes. */
  maxMessageBytes?: number;
}

/** Reads a ConverseStream body as OpenAI chunks, ending with a usage-only chunk. */
export async function* bedrockChatStream(body: AsyncIterable<Uint8Array>, options: BedrockChatStreamOptions): AsyncGenerator<ChatCompletionChunk> {
  const { stream, context, maxMessageBytes, ...timing } = options;
  const mapper = new BedrockStreamMapper(stream);
  const progress = { pendingBytes: 0 };
  const messages = decodeEventStream(body, { context, progress, ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}) });
  const events = bedrockEvents(messages, (type, payload) => bedrockStreamError(type, payload, context, options.clock.now()));
  yield* chatStream(events, { ...timing, context, progress, parseChunk: (data: unknown, event: SseEvent) => mapper.map(event.event, data) });
}

function stringHeader(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
