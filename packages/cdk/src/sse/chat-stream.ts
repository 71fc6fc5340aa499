import { ProviderError, systemClock, type ChatCompletionChunk, type ChatCompletionChunkChoice, type Clock } from "@modelmesh/core";
import { hasLimit, withTimeout } from "../transport/timers.js";
import type { SseEvent, SseProgress } from "./parse-sse.js";
import {
  malformedChunkError,
  streamErrorFromPayload,
  streamTimeoutError,
  truncatedStreamError,
  type StreamErrorContext,
} from "./stream-errors.js";

/**
 * Turns SSE events into OpenAI `ChatCompletionChunk`s with the end-of-stream rules of docs/ARCHITECTURE.md §2.8:
 * - `[DONE]` ends the stream (the body's tail is read for up to 100 ms so the socket can be reused);
 * - an `{error: …}` object (or an `event: error`) inside a 200 stream throws a classified `ProviderError`;
 * - a malformed event (a payload that is not JSON, or JSON that the chunk mapping rejects) is skipped and
 *   reported through `onWarning` with a short message that never quotes the payload; the stream goes on. Only
 *   the `maxMalformedEvents`-th malformed event (default 3, counted over the whole stream) makes it broken:
 *   then `MM_INVALID_RESPONSE` is thrown (category `stream_interrupted`, not retryable: the router decides
 *   from whether output was already committed), its message saying how many malformed events were seen;
 * - usage-only chunks (`choices: []`) are kept;
 * - a body that ends without `[DONE]` ends cleanly if a `finish_reason` was seen (a complete answer whose
 *   connection closed at the HTTP level), and otherwise throws `MM_STREAM_INTERRUPTED`;
 * - errors of the byte stream (a reset mid-stream) propagate unchanged (the transport made them
 *   `ProviderError`s of category `network`).
 * Timers: before the first token `firstTokenMs` (counted from `startedAt`), afterwards `idleMs` between two
 * events; when one fires the body is cancelled and `MM_TIMEOUT_FIRST_TOKEN` / `MM_TIMEOUT_IDLE` is thrown.
 */

/** How long to wait for the body's end after `[DONE]` before cancelling it. */
const DRAIN_AFTER_DONE_MS = 100;

/** Default of {@link ChatStreamOptions.maxMalformedEvents}. */
const DEFAULT_MAX_MALFORMED_EVENTS = 3;

/** Maps one parsed SSE payload to a chunk, or `null` to skip it (pings, vendor bookkeeping events). */
export type ChunkParser = (data: unknown, event: SseEvent) => ChatCompletionChunk | null;

/** Options of {@link chatStream}. */
export interface ChatStreamOptions {
  /** Chunk mapping; default {@link parseOpenAIChunk}. */
  parseChunk?: ChunkParser;
  /** Until the first content, refusal, tool-call delta or finish reason, in ms. 0 / missing: no limit. */
  firstTokenMs?: number;
  /** Maximum gap between two events once output has started, in ms (also before it without `firstTokenMs`). */
  idleMs?: number;
  /** When the attempt started (epoch ms on `clock`); default: now. */
  startedAt?: number;
  /** Time source; default the system clock. */
  clock?: Clock;
  /** Cancels the underlying body; called when a timer fires or the consumer stops early. */
  cancel?: () => unknown;
  /** Provider / model names for errors, and a scrubber for upstream text. */
  context?: StreamErrorContext;
  /**
   * The malformed event that breaks the stream: the first `maxMalformedEvents - 1` malformed events are skipped
   * (and reported through `onWarning`), this one throws `MM_INVALID_RESPONSE`. Default 3; 1 fails at the first.
   */
  maxMalformedEvents?: number;
  /** Receives one short message per skipped malformed event (never the payload). Must not throw. */
  onWarning?: (message: string) => void;
  /** The `progress` given to `parseSse`: a timeout then says whether bytes of an unfinished event were arriving. */
  progress?: SseProgress;
}

/** True when the chunk carries output: text, a refusal, a tool-call delta, or a finish reason. */
export function chunkHasOutput(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.some(
    (choice) =>
      choice.finish_reason != null ||
      (typeof choice.delta?.content === "string" && choice.delta.content !== "") ||
      (typeof choice.delta?.refusal === "string" && choice.delta.refusal !== "") ||
      (Array.isArray(choice.delta?.tool_calls) && choice.delta.tool_calls.length > 0),
  );
}

/**
 * The default chunk mapping for OpenAI-compatible streams: keeps every field, fills `object`, gives each
 * choice a `delta` and a `finish_reason`, keeps usage-only chunks, and skips objects that are not chunks.
 * Returns `undefined` for payloads that are not objects (the caller reports them as malformed).
 */
export function parseOpenAIChunk(data: unknown): ChatCompletionChunk | null | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const record = data as Record<string, unknown>;
  if (!Array.isArray(record.choices)) {
    if (record.usage === undefined || record.usage === null) return null;
    return { ...(record as unknown as ChatCompletionChunk), object: "chat.completion.chunk", choices: [] };
  }
  const choices = (record.choices as Partial<ChatCompletionChunkChoice>[]).map((choice, index) => ({
    ...choice,
    index: choice.index ?? index,
    delta: choice.delta ?? {},
    finish_reason: choice.finish_reason ?? null,
  }));
  return { ...(record as unknown as ChatCompletionChunk), object: "chat.completion.chunk", choices };
}

const defaultParser: ChunkParser = (data) => {
  const chunk = parseOpenAIChunk(data);
  if (chunk === undefined) throw new SyntaxError("chunk is not a JSON object");
  return chunk;
};

function isErrorObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return record.error !== undefined && record.error !== null && !Array.isArray(record.choices);
}

/** Iterates chat chunks from SSE events; see the module comment for the rules. */
export async function* chatStream(events: AsyncIterable<SseEvent>, options: ChatStreamOptions = {}): AsyncGenerator<ChatCompletionChunk> {
  const clock = options.clock ?? systemClock;
  const context = options.context ?? {};
  const parse = options.parseChunk ?? defaultParser;
  const startedAt = options.startedAt ?? clock.now();
  const iterator = events[Symbol.asyncIterator]();
  const maxMalformed = malformedLimit(options.maxMalformedEvents);
  let malformed = 0;
  /** Counts a malformed event: throws once the limit is reached, otherwise reports it and lets the loop skip it. */
  const skipMalformed = (reason: string, cause: unknown): void => {
    malformed += 1;
    if (malformed >= maxMalformed) throw malformedChunkError(context, cause, malformed);
    try {
      const limit = maxMalformed === Infinity ? "no limit" : `the stream fails at ${maxMalformed}`;
      options.onWarning?.(`skipped malformed stream event ${malformed} (${limit}): ${reason}`);
    } catch {
      // A failing listener must not break the answer it is being told about.
    }
  };
  let outputSeen = false;
  let finishSeen = false;
  let exhausted = false;
  try {
    for (;;) {
      const timer = nextTimer(outputSeen, startedAt, clock.now(), options);
      const step = await withTimeout(
        iterator.next(),
        timer?.remainingMs,
        () => streamTimeoutError(timer?.kind ?? "idle", timer?.limitMs ?? 0, context, options.progress?.pendingBytes ?? 0),
        { clock, onTimeout: () => void Promise.resolve(options.cancel?.()).catch(() => {}) },
      );
      if (step.done) {
        exhausted = true;
        if (!finishSeen) throw truncatedStreamError(context);
        return;
      }
      const event = step.value;
      const text = event.data.trim();
      if (text === "[DONE]") {
        exhausted = await drainBriefly(iterator, clock);
        return;
      }
      if (event.event === "error") throw streamErrorFromPayload(tryJson(event.data) ?? event.data, context, clock.now());
      if (text === "") continue;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch (error) {
        skipMalformed("not JSON", error);
        continue;
      }
      if (isErrorObject(json)) throw streamErrorFromPayload(json, context, clock.now());
      let chunk: ChatCompletionChunk | null;
      try {
        chunk = parse(json, event);
      } catch (error) {
        if (ProviderError.is(error)) throw error;
        skipMalformed("not a chat chunk", error);
        continue;
      }
      if (chunk === null) continue;
      if (chunkHasOutput(chunk)) outputSeen = true;
      if (chunk.choices.some((choice) => choice.finish_reason != null)) finishSeen = true;
      yield chunk;
    }
  } finally {
    if (!exhausted) {
      // Stop reading: cancel the body (settles any pending read) and let the event source run its cleanup.
      await Promise.resolve(options.cancel?.()).catch(() => {});
      void iterator.return?.()?.catch(() => {});
    }
  }
}

/**
 * After `[DONE]` the body's end usually arrives in the same packet; reading it (briefly) lets the connection
 * go back to the keep-alive pool instead of being destroyed by a cancel. Events after `[DONE]` are ignored.
 * Returns true when the source ended within the bound.
 */
async function drainBriefly(iterator: AsyncIterator<SseEvent>, clock: Clock): Promise<boolean> {
  const drain = async () => {
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
      // ignored: nothing after [DONE] is part of the answer
    }
    return true;
  };
  try {
    return await withTimeout(drain(), DRAIN_AFTER_DONE_MS, () => new Error("drain"), { clock });
  } catch {
    return false;
  }
}

/** A usable malformed-event limit: a whole number of at least 1 (Infinity: never fail on malformed events). */
function malformedLimit(value: number | undefined): number {
  if (value === undefined || Number.isNaN(value)) return DEFAULT_MAX_MALFORMED_EVENTS;
  return value === Infinity ? Infinity : Math.max(1, Math.floor(value));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Which timer guards the next event, and how long it has left. */
function nextTimer(
  outputSeen: boolean,
  startedAt: number,
  now: number,
  options: ChatStreamOptions,
): { kind: "first-token" | "idle"; limitMs: number; remainingMs: number } | undefined {
  if (!outputSeen && hasLimit(options.firstTokenMs)) {
    return { kind: "first-token", limitMs: options.firstTokenMs, remainingMs: Math.max(1, options.firstTokenMs - (now - startedAt)) };
  }
  if (hasLimit(options.idleMs)) return { kind: "idle", limitMs: options.idleMs, remainingMs: options.idleMs };
  return undefined;
}
