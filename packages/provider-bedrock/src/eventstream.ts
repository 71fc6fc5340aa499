import { ProviderError, formatMessage } from "@modelmesh/core";
import type { BedrockErrorContext as StreamErrorContext } from "./bedrock-error-mapping.js";

/**
 * A bounded decoder of the `application/vnd.amazon.eventstream` binary framing (what ConverseStream answers
 * with). Each message:
 *
 * | bytes | field |
 * |---|---|
 * | 4 | total length (big-endian u32, the whole message) |
 * | 4 | headers length |
 * | 4 | prelude CRC32 (of the 8 bytes before it) |
 * | n | headers: name length (u8), name (UTF-8), value type (u8), value |
 * | m | payload |
 * | 4 | message CRC32 (of everything before it) |
 *
 * Both CRCs are verified; a message longer than `maxMessageBytes` is refused before it is buffered (the
 * prelude tells its length); a message split across chunks is reassembled; bytes left over when the body
 * ends are a truncated stream. Reference: the AWS SDKs' `eventstream-codec` format description
 * (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream).
 */

/** A header value: strings, numbers, booleans, bytes; timestamps as Date, UUIDs as their hex text. */
export type EventHeaderValue = string | number | boolean | bigint | Uint8Array | Date;

/** One decoded message. */
export interface EventStreamMessage {
  headers: Record<string, EventHeaderValue>;
  payload: Uint8Array;
}

/** Prelude (12 bytes) + message CRC (4 bytes): the smallest possible message. */
const MIN_MESSAGE = 16;
/** Default {@link EventStreamDecoderOptions.maxMessageBytes}: AWS's own limit on one message (16 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the zlib / PNG polynomial 0xEDB88320) of `bytes`, continuing from `previous`. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Options of {@link decodeEventStream}. */
export interface EventStreamDecoderOptions {
  /** Largest message accepted, in bytes (prelude to CRC). Default 16 MiB. */
  maxMessageBytes?: number;
  /** Provider / model for errors. */
  context?: StreamErrorContext;
  /** Updated as bytes arrive: bytes received since the last complete message (for stream timeouts). */
  progress?: { pendingBytes: number };
}

/** A frame that breaks the framing (bad CRC, impossible lengths, bad header): the stream cannot go on. */
export function corruptFrameError(what: string, context: StreamErrorContext = {}): ProviderError {
  return new ProviderError({
    code: "MM_INVALID_RESPONSE",
    category: "stream_interrupted",
    retryable: false,
    message: formatMessage(where(context), `corrupt event-stream frame: ${what}`),
    ...identity(context),
    metadata: { phase: "stream" },
  });
}

/** The body ended inside a message. */
export function truncatedFrameError(pending: number, context: StreamErrorContext = {}): ProviderError {
  return new ProviderError({
    code: "MM_STREAM_INTERRUPTED",
    category: "stream_interrupted",
    retryable: false,
    message: formatMessage(where(context), `the event stream ended inside a message (${pending} bytes of an unfinished frame)`),
    ...identity(context),
    metadata: { phase: "stream", pendingBytes: pending },
  });
}

/** A message over the size limit (its prelude announced it; nothing of it was buffered past the prelude). */
function frameTooLargeError(length: number, limit: number, context: StreamErrorContext): ProviderError {
  return new ProviderError({
    code: "MM_RESPONSE_TOO_LARGE",
    category: "server",
    retryable: false,
    message: formatMessage(where(context), `an event-stream message of ${length} bytes exceeds the limit of ${limit} bytes`, `Raise providers.${context.provider ?? "<name>"}.limits.max_event_size if the upstream is trusted to send that much`),
    ...identity(context),
    metadata: { phase: "stream", limitBytes: limit },
  });
}

/** Collects chunks and hands out whole messages without copying more than one message at a time. */
class ByteQueue {
  #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
  }

  /** The first `n` bytes, without removing them (n ≤ length). */
  peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let offset = 0;
    for (const chunk of this.#chunks) {
      const take = Math.min(chunk.byteLength, n - offset);
      out.set(chunk.subarray(0, take), offset);
      offset += take;
      if (offset === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes (n ≤ length). */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const first = this.#chunks[0]!;
      if (first.byteLength <= left) {
        this.#chunks.shift();
        left -= first.byteLength;
      } else {
        this.#chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.#length -= n;
    return out;
  }
}

/** Decodes messages from a byte stream; see the module comment for the rules. */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>, options: EventStreamDecoderOptions = {}): AsyncGenerator<EventStreamMessage> {
  const context = options.context ?? {};
  const max = typeof options.maxMessageBytes === "number" && options.maxMessageBytes > 0 ? options.maxMessageBytes : DEFAULT_MAX_MESSAGE_BYTES;
  const queue = new ByteQueue();
  const progress = options.progress;
  for await (const chunk of body) {
    queue.push(chunk);
    if (progress) progress.pendingBytes = queue.length;
    for (;;) {
      if (queue.length < 12) break;
      const prelude = queue.peek(12);
      const view = new DataView(prelude.buffer, prelude.byteOffset, 12);
      const total = view.getUint32(0);
      const headersLength = view.getUint32(4);
      if (crc32(prelude.subarray(0, 8)) !== view.getUint32(8)) throw corruptFrameError("prelude CRC32 mismatch", context);
      if (total < MIN_MESSAGE || headersLength > total - MIN_MESSAGE) throw corruptFrameError(`impossible lengths (total ${total}, headers ${headersLength})`, context);
      if (total > max) throw frameTooLargeError(total, max, context);
      if (queue.length < total) break;
      const message = parseMessage(queue.take(total), headersLength, context);
      if (progress) progress.pendingBytes = queue.length;
      yield message;
    }
  }
  if (queue.length > 0) throw truncatedFrameError(queue.length, context);
}

/** Parses one whole message (CRC checked here). */
export function parseMessage(message: Uint8Array, headersLength: number, context: StreamErrorContext = {}): EventStreamMessage {
  const total = message.byteLength;
  const view = new DataView(message.buffer, message.byteOffset, total);
  if (crc32(message.subarray(0, total - 4)) !== view.getUint32(total - 4)) throw corruptFrameError("message CRC32 mismatch", context);
  const headers = parseHeaders(message.subarray(12, 12 + headersLength), context);
  return { headers, payload: message.subarray(12 + headersLength, total - 4) };
}

const DECODER = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: false });

function parseHeaders(bytes: Uint8Array, context: StreamErrorContext): Record<string, EventHeaderValue> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: Record<string, EventHeaderValue> = {};
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.byteLength) throw corruptFrameError("a header runs past the headers section", context);
  };
  while (at < bytes.byteLength) {
    need(1);
    const nameLength = view.getUint8(at);
    at += 1;
    need(nameLength + 1);
    const name = DECODER.decode(bytes.subarray(at, at + nameLength));
    at += nameLength;
    const type = view.getUint8(at);
    at += 1;
    switch (type) {
      case 0:
        headers[name] = true;
        break;
      case 1:
        headers[name] = false;
        break;
      case 2:
        need(1);
        headers[name] = view.getInt8(at);
        at += 1;
        break;
      case 3:
        need(2);
        headers[name] = view.getInt16(at);
        at += 2;
        break;
      case 4:
        need(4);
        headers[name] = view.getInt32(at);
        at += 4;
        break;
      case 5:
        need(8);
        headers[name] = view.getBigInt64(at);
        at += 8;
        break;
      case 6:
      case 7: {
        need(2);
        const length = view.getUint16(at);
        at += 2;
        need(length);
        const value = bytes.subarray(at, at + length);
        headers[name] = type === 7 ? DECODER.decode(value) : value.slice();
        at += length;
        break;
      }
      case 8:
        need(8);
        headers[name] = new Date(Number(view.getBigInt64(at)));
        at += 8;
        break;
      case 9: {
        need(16);
        let hex = "";
        for (let i = 0; i < 16; i++) hex += bytes[at + i]!.toString(16).padStart(2, "0");
        headers[name] = hex;
        at += 16;
        break;
      }
      default:
        throw corruptFrameError(`unknown header value type ${type}`, context);
    }
  }
  return headers;
}

function where(context: StreamErrorContext): string {
  return context.provider !== undefined ? `provider ${context.provider}` : "aws.bedrock.v1";
}

function identity(context: StreamErrorContext): { provider?: string; model?: string } {
  return { ...(context.provider !== undefined ? { provider: context.provider } : {}), ...(context.model !== undefined ? { model: context.model } : {}) };
}
