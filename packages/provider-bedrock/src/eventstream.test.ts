import { describe, expect, it } from "vitest";
import { concat, encodeMessage, event } from "../test/support/eventstream-encode.js";
import { crc32, decodeEventStream, type EventStreamMessage } from "./eventstream.js";

async function* chunksOf(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function decodeAll(body: AsyncIterable<Uint8Array>, options = {}): Promise<EventStreamMessage[]> {
  const out: EventStreamMessage[] = [];
  for await (const message of decodeEventStream(body, options)) out.push(message);
  return out;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("crc32", () => {
  it("matches the published check values of CRC-32/ISO-HDLC", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // Incremental: continuing from a previous value gives the CRC of the concatenation.
    expect(crc32(new TextEncoder().encode("56789"), crc32(new TextEncoder().encode("1234")))).toBe(0xcbf43926);
  });
});

describe("decodeEventStream", () => {
  it("decodes headers of every type and the payload", async () => {
    const bytes = encodeMessage({ ":event-type": "messageStart", flag: true, off: false, n: -7, raw: new Uint8Array([1, 2, 3]) }, '{"role":"assistant"}');
    const [message] = await decodeAll(chunksOf(bytes));
    expect(message!.headers).toEqual({ ":event-type": "messageStart", flag: true, off: false, n: -7, raw: new Uint8Array([1, 2, 3]) });
    expect(text(message!.payload)).toBe('{"role":"assistant"}');
  });

  it("reassembles messages split across chunks at every byte, and several messages in one chunk", async () => {
    const body = concat(event("a", { x: 1 }), event("b", { y: "é" }), event("c", {}));
    for (let cut = 1; cut < body.length; cut++) {
      const messages = await decodeAll(chunksOf(body.subarray(0, cut), body.subarray(cut)));
      expect(messages.map((m) => m.headers[":event-type"])).toEqual(["a", "b", "c"]);
      expect(JSON.parse(text(messages[1]!.payload))).toEqual({ y: "é" });
    }
    const bytewise = await decodeAll(chunksOf(...Array.from(body, (byte) => new Uint8Array([byte]))));
    expect(bytewise).toHaveLength(3);
  });

  it("a corrupted payload byte fails the message CRC", async () => {
    const bytes = event("a", { x: 1 }).slice();
    bytes[bytes.length - 6] ^= 0xff;
    await expect(decodeAll(chunksOf(bytes))).rejects.toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", message: expect.stringContaining("message CRC32 mismatch") });
  });

  it("a corrupted length fails the prelude CRC before anything is buffered", async () => {
    const bytes = event("a", { x: 1 }).slice();
    bytes[3] ^= 0x01;
    await expect(decodeAll(chunksOf(bytes))).rejects.toMatchObject({ code: "MM_INVALID_RESPONSE", message: expect.stringContaining("prelude CRC32 mismatch") });
  });

  it("a message over the limit is refused from its prelude", async () => {
    const big = event("a", { text: "x".repeat(5000) });
    const seen: number[] = [];
    async function* body() {
      seen.push(1);
      yield big.subarray(0, 12); // only the prelude arrives before the decoder must refuse
      seen.push(2);
      yield big.subarray(12);
    }
    await expect(decodeAll(body(), { maxMessageBytes: 1024, context: { provider: "aws" } })).rejects.toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", message: expect.stringContaining("exceeds the limit of 1024 bytes") });
    expect(seen).toEqual([1]);
  });

  it("a body that ends inside a message is a truncated stream", async () => {
    const body = concat(event("a", {}), event("b", { x: 1 }));
    await expect(decodeAll(chunksOf(body.subarray(0, body.length - 5)))).rejects.toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("impossible lengths and unknown header types are corrupt frames", async () => {
    const tiny = new Uint8Array(16);
    const view = new DataView(tiny.buffer);
    view.setUint32(0, 16);
    view.setUint32(4, 4); // headers longer than the room the message has
    view.setUint32(8, crc32(tiny.subarray(0, 8)));
    await expect(decodeAll(chunksOf(tiny))).rejects.toMatchObject({ message: expect.stringContaining("impossible lengths") });
    const bad = encodeMessage({ h: "v" }, "{}").slice();
    bad[12 + 1 + 1] = 42; // the value type of header "h"
    const total = bad.length;
    new DataView(bad.buffer).setUint32(total - 4, crc32(bad.subarray(0, total - 4)));
    await expect(decodeAll(chunksOf(bad))).rejects.toMatchObject({ message: expect.stringContaining("unknown header value type 42") });
  });

  it("reports the bytes of an unfinished message through progress", async () => {
    const bytes = event("a", { x: 1 });
    const progress = { pendingBytes: 0 };
    const seen: number[] = [];
    async function* body() {
      yield bytes.subarray(0, 10);
      seen.push(progress.pendingBytes); // read after the decoder took the first chunk
      yield concat(bytes.subarray(10), bytes.subarray(0, 7));
    }
    const iterator = decodeEventStream(body(), { progress })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(seen).toEqual([10]);
    // The first message is complete; 7 bytes of the next one are pending.
    expect(progress.pendingBytes).toBe(7);
  });
});
