/** Helpers to consume a transport body (`AsyncIterable<Uint8Array>`) fully: for JSON and binary responses only. */
import type { TransportResponse } from "./types.js";

/**
 * Reads a whole byte stream as UTF-8 text (multi-byte characters may straddle chunks). The chunks are kept as
 * they arrive and decoded once the stream has ended, so a read that fails half-way (a size limit, a reset)
 * has held only the bytes, never bytes and text together.
 */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return decodeChunks(chunks);
}

/** A decoder for whole inputs only (never `stream: true`), so it carries no state from one call to the next. */
const WHOLE_DECODER = /* @__PURE__ */ new TextDecoder();
const STREAM_OPTION: TextDecodeOptions = { stream: true };

/** Decodes chunks of one UTF-8 stream to text, releasing each chunk once decoded. */
export function decodeChunks(chunks: Uint8Array[]): string {
  if (chunks.length === 0) return "";
  // The usual JSON body arrives in one chunk: one decode, no intermediate strings.
  if (chunks.length === 1) {
    const only = chunks[0]!;
    chunks[0] = EMPTY;
    return WHOLE_DECODER.decode(only);
  }
  const decoder = new TextDecoder();
  let text = "";
  for (let i = 0; i < chunks.length; i++) {
    text += decoder.decode(chunks[i], STREAM_OPTION);
    chunks[i] = EMPTY;
  }
  return text + decoder.decode();
}

const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/** Reads a whole byte stream into one `Uint8Array` (for binary responses such as speech audio). */
export async function readBytes(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    length += chunk.byteLength;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

// -- whole-body reads without per-chunk async iteration (internal: not exported from the package entries) --

/**
 * Key of a response's own whole-text reader. The undici transport collects the chunks as undici delivers them
 * and the size-limited wrapper forwards to it, so a non-streamed body costs no async iterator, generator or
 * promise per chunk. A registered symbol, so the root and `./node` bundles (and ESM and CJS copies) agree.
 */
export const READ_WHOLE_TEXT: unique symbol = /* @__PURE__ */ Symbol.for("modelmesh.cdk.readWholeText");

/**
 * A response that reads its whole body itself. `maxBytes` (`Infinity`: no limit) bounds the total: past it the
 * read rejects with `tooLarge()` and the body is released. `onChunk` runs once per non-empty chunk within the
 * limit, as it arrives. Errors are those of the response's `body` iteration.
 */
export interface WholeTextReader {
  [READ_WHOLE_TEXT](maxBytes: number, tooLarge: (() => unknown) | undefined, onChunk: (() => void) | undefined): Promise<string>;
}

/**
 * Reads a whole response body as text, bounded by `maxBytes` and reporting each chunk to `onChunk` (see
 * {@link WholeTextReader}): through the response's own reader when it has one, else by iterating `body`
 * (exiting early releases the body, as any iteration stopped half-way does).
 */
export function readWholeText(response: TransportResponse, maxBytes = Infinity, tooLarge?: () => unknown, onChunk?: () => void): Promise<string> {
  const reader = (response as Partial<WholeTextReader>)[READ_WHOLE_TEXT];
  if (typeof reader === "function") return reader.call(response, maxBytes, tooLarge, onChunk);
  return iterateWholeText(response.body, maxBytes, tooLarge, onChunk);
}

async function iterateWholeText(body: AsyncIterable<Uint8Array>, maxBytes: number, tooLarge: (() => unknown) | undefined, onChunk: (() => void) | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge ? tooLarge() : new RangeError(`[modelmesh] [transport] the body exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
    onChunk?.();
  }
  return decodeChunks(chunks);
}
