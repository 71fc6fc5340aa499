/**
 * Incremental server-sent-events parser following the WHATWG "event stream interpretation" rules
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * Bytes are decoded with a streaming `TextDecoder`, so a multi-byte UTF-8 character split across chunks is
 * decoded correctly; a line ending split across chunks (`\r` | `\n`) is never mistaken for two line endings.
 */
import { responseTooLargeError, type StreamErrorContext } from "./stream-errors.js";

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, when the event had one (the spec's default type is `message`). */
  event?: string;
  /** The `data:` lines joined by `\n`. */
  data: string;
  /** The last event id seen so far in the stream (`id:` persists across events, per the spec). */
  id?: string;
}

/** Default of {@link SseParseOptions.maxEventSize}: 1 MiB. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;

/** Options of {@link SseLineParser} and {@link parseSse}. */
export interface SseParseOptions {
  /**
   * Largest event, in characters of decoded text: its lines together (field names included, line ends and
   * comments not) plus the line being read, so one endless line, comment or field is bounded too. Past it the
   * parser throws `MM_RESPONSE_TOO_LARGE`. `parseSse` defaults to {@link DEFAULT_MAX_EVENT_SIZE}; the bare
   * `SseLineParser` to no limit. For ASCII text a character is a byte; other UTF-8 text takes 2–4 bytes per
   * character (1–2 UTF-16 units), so the bound on memory holds either way.
   */
  maxEventSize?: number;
  /** Provider / model named by the size error. */
  context?: StreamErrorContext;
  /** Updated as bytes arrive (`parseSse` only): lets a stream timer tell "silent" from "one endless event". */
  progress?: SseProgress;
}

/** How many bytes arrived since the last complete event (shared between `parseSse` and `chatStream`). */
export interface SseProgress {
  pendingBytes: number;
}

/** Finds the next `\r` or `\n` from `lastIndex`; one pass over the new text only. */
const LINE_END = /[\r\n]/g;

/**
 * Incremental state of the parser. Feed decoded text with `push`, then call `end`. Linear in its input: each
 * character is examined once for a line end, and a line split over many chunks is kept as a list of pieces
 * joined once when it ends (never re-scanned or re-concatenated per chunk).
 */
export class SseLineParser {
  /** The unterminated tail of the input: pieces of one line, joined when its line end arrives. */
  #pending: string[] = [];
  #pendingLength = 0;
  #data: string[] = [];
  /** Characters of the current event's lines so far (comments excluded). */
  #eventLength = 0;
  #event: string | undefined;
  #lastId: string | undefined;
  #sawBom = false;
  /** Set when the previous chunk ended on `\r`: a `\n` at the start of the next one belongs to it. */
  #pendingCr = false;
  #scanned = 0;
  readonly #maxEventSize: number;
  readonly #context: StreamErrorContext | undefined;

  constructor(options: SseParseOptions = {}) {
    const max = options.maxEventSize;
    this.#maxEventSize = typeof max === "number" && Number.isFinite(max) && max > 0 ? max : Number.POSITIVE_INFINITY;
    this.#context = options.context;
  }

  /** Characters examined for line ends so far (diagnostics: never more than the characters pushed). */
  get scanned(): number {
    return this.#scanned;
  }

  /**
   * Parses as much of `text` as forms complete lines; returns the events completed by it.
   * @throws ProviderError `MM_RESPONSE_TOO_LARGE` when the current event grows past `maxEventSize`.
   */
  push(text: string): SseEvent[] {
    let input = text;
    // The decoder yields "" while it holds the first bytes of a split character: keep all state as is.
    if (input === "") return [];
    if (!this.#sawBom) {
      this.#sawBom = true;
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
    }
    let start = 0;
    if (this.#pendingCr && input.charCodeAt(0) === 10) start = 1;
    this.#pendingCr = false;
    const events: SseEvent[] = [];
    for (;;) {
      LINE_END.lastIndex = start;
      const match = LINE_END.exec(input);
      const end = match === null ? -1 : match.index;
      this.#scanned += (end === -1 ? input.length : end + 1) - start;
      if (end === -1) break;
      const line = this.#takeLine(input.slice(start, end));
      if (input.charCodeAt(end) === 13) {
        if (end + 1 === input.length) {
          // The `\n` of a CRLF may arrive with the next chunk.
          this.#pendingCr = true;
          start = end + 1;
        } else {
          start = input.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
        }
      } else {
        start = end + 1;
      }
      this.#line(line, events);
    }
    if (start < input.length) {
      const piece = input.slice(start);
      this.#pending.push(piece);
      this.#pendingLength += piece.length;
      this.#checkSize();
    }
    return events;
  }

  /**
   * Ends the stream. An unterminated last line is processed and a pending event is dispatched. The spec
   * discards an event not followed by a blank line; we dispatch it because real upstreams end with
   * `data: [DONE]\n` (or no newline at all), and a truncated JSON payload is caught by the JSON layer anyway.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.#pendingLength > 0) this.#line(this.#takeLine(""), events);
    this.#dispatch(events);
    return events;
  }

  /** The pending pieces plus `tail`, as one line; the pending state is cleared. */
  #takeLine(tail: string): string {
    if (this.#pending.length === 0) return tail;
    this.#pending.push(tail);
    const line = this.#pending.join("");
    this.#pending = [];
    this.#pendingLength = 0;
    return line;
  }

  #checkSize(): void {
    if (this.#eventLength + this.#pendingLength > this.#maxEventSize) {
      throw responseTooLargeError("event", this.#maxEventSize, this.#context ?? {});
    }
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === "") return this.#dispatch(events);
    if (line.length > this.#maxEventSize) throw responseTooLargeError("event", this.#maxEventSize, this.#context ?? {});
    if (line.charCodeAt(0) === 58) return; // ":" comment
    this.#eventLength += line.length;
    this.#checkSize();
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\u0000")) this.#lastId = value;
        break;
      default:
        // `retry:` and unknown fields are ignored: reconnection is the router's business, not the parser's.
        break;
    }
  }

  #dispatch(events: SseEvent[]): void {
    this.#eventLength = 0;
    if (this.#data.length === 0) {
      this.#event = undefined;
      return;
    }
    const event: SseEvent = { data: this.#data.join("\n") };
    if (this.#event !== undefined && this.#event !== "") event.event = this.#event;
    if (this.#lastId !== undefined) event.id = this.#lastId;
    this.#data = [];
    this.#event = undefined;
    events.push(event);
  }
}

/**
 * Parses a byte stream into SSE events, incrementally: each event is yielded as soon as its terminating blank
 * line arrives. Errors of the byte stream propagate unchanged; stopping early stops reading the source. An
 * event (or a line) larger than `options.maxEventSize` (default 1 MiB) stops reading and throws
 * `MM_RESPONSE_TOO_LARGE` (category `server`): an upstream that streams one endless line cannot grow memory.
 * @example
 * for await (const event of parseSse(response.body)) {
 *   if (event.data === "[DONE]") break;
 *   console.log(JSON.parse(event.data));
 * }
 */
export async function* parseSse(source: AsyncIterable<Uint8Array>, options: SseParseOptions = {}): AsyncGenerator<SseEvent> {
  yield* new SseEventReader(source, options);
}

/**
 * The iterator behind {@link parseSse}, as a plain object instead of a generator: a held stream keeps one small
 * object and no suspended generator frame (the providers read their streams through it directly). Stopping
 * early (`return()`) or a parse error stops reading the source; an error of the source propagates unchanged.
 */
export class SseEventReader implements AsyncIterableIterator<SseEvent> {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser: SseLineParser;
  readonly #progress: SseProgress | undefined;
  #queue: SseEvent[] = [];
  #next = 0;
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>, options: SseParseOptions = {}) {
    this.#source = source[Symbol.asyncIterator]();
    this.#parser = new SseLineParser({ maxEventSize: options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE, ...(options.context ? { context: options.context } : {}) });
    this.#progress = options.progress;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<SseEvent>> {
    for (;;) {
      if (this.#next < this.#queue.length) {
        const event = this.#queue[this.#next++]!;
        if (this.#next === this.#queue.length) {
          this.#queue = [];
          this.#next = 0;
        }
        return { done: false, value: event };
      }
      if (this.#ended) return { done: true, value: undefined };
      const step = await this.#source.next();
      try {
        if (step.done) {
          this.#ended = true;
          this.#queue = [...this.#parser.push(this.#decoder.decode()), ...this.#parser.end()];
          continue;
        }
        const progress = this.#progress;
        if (progress) progress.pendingBytes += step.value.byteLength;
        this.#queue = this.#parser.push(this.#decoder.decode(step.value, { stream: true }));
        if (progress && this.#queue.length > 0) progress.pendingBytes = 0;
      } catch (error) {
        // A parse error (e.g. an event over the size limit): stop reading the source before surfacing it.
        await this.return();
        throw error;
      }
    }
  }

  async return(): Promise<IteratorResult<SseEvent>> {
    const wasEnded = this.#ended;
    this.#ended = true;
    this.#queue = [];
    this.#next = 0;
    if (!wasEnded) await this.#source.return?.();
    return { done: true, value: undefined };
  }
}
