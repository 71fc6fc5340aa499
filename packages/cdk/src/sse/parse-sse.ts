/**
 * Incremental server-sent-events parser following the WHATWG "event stream interpretation" rules
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * Bytes are decoded with a streaming `TextDecoder`, so a multi-byte UTF-8 character split across chunks is
 * decoded correctly; a line ending split across chunks (`\r` | `\n`) is never mistaken for two line endings.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, when the event had one (the spec's default type is `message`). */
  event?: string;
  /** The `data:` lines joined by `\n`. */
  data: string;
  /** The last event id seen so far in the stream (`id:` persists across events, per the spec). */
  id?: string;
}

/** Incremental state of the parser. Feed decoded text with `push`, then call `end`. */
export class SseLineParser {
  #buffer = "";
  #data: string[] = [];
  #event: string | undefined;
  #lastId: string | undefined;
  #sawBom = false;
  /** Set when the previous chunk ended on `\r`: a `\n` at the start of the next one belongs to it. */
  #pendingCr = false;

  /** Parses as much of `text` as forms complete lines; returns the events completed by it. */
  push(text: string): SseEvent[] {
    let input = text;
    // The decoder yields "" while it holds the first bytes of a split character: keep all state as is.
    if (input === "") return [];
    if (!this.#sawBom && input.length > 0) {
      this.#sawBom = true;
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
    }
    if (this.#pendingCr && input.startsWith("\n")) input = input.slice(1);
    this.#pendingCr = false;
    const events: SseEvent[] = [];
    let buffer = this.#buffer + input;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf("\n", start);
      const cr = buffer.indexOf("\r", start);
      if (lf === -1 && cr === -1) break;
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const line = buffer.slice(start, end);
      if (buffer[end] === "\r") {
        if (end + 1 === buffer.length) {
          // The `\n` of a CRLF may arrive with the next chunk.
          this.#pendingCr = true;
          start = end + 1;
          this.#line(line, events);
          break;
        }
        start = buffer[end + 1] === "\n" ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
      this.#line(line, events);
    }
    buffer = buffer.slice(start);
    this.#buffer = buffer;
    return events;
  }

  /**
   * Ends the stream. An unterminated last line is processed and a pending event is dispatched. The spec
   * discards an event not followed by a blank line; we dispatch it because real upstreams end with
   * `data: [DONE]\n` (or no newline at all), and a truncated JSON payload is caught by the JSON layer anyway.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.#buffer !== "") this.#line(this.#buffer, events);
    this.#buffer = "";
    this.#dispatch(events);
    return events;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === "") return this.#dispatch(events);
    if (line.startsWith(":")) return; // comment
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
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
 * line arrives. Errors of the byte stream propagate unchanged; stopping early stops reading the source.
 * @example
 * for await (const event of parseSse(response.body)) {
 *   if (event.data === "[DONE]") break;
 *   console.log(JSON.parse(event.data));
 * }
 */
export async function* parseSse(source: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseLineParser();
  for await (const chunk of source) {
    const events = parser.push(decoder.decode(chunk, { stream: true }));
    for (const event of events) yield event;
  }
  for (const event of parser.push(decoder.decode())) yield event;
  for (const event of parser.end()) yield event;
}
