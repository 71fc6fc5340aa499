/**
 * An event-stream ENCODER for tests (the connector only decodes): builds messages as AWS sends them, with
 * CRCs from Node's zlib (an implementation independent of the connector's own CRC32).
 */
import { crc32 } from "node:zlib";

type HeaderValue = string | boolean | number | Uint8Array;

/** Encodes one message: string headers as type 7, booleans 0/1, numbers as int32 (type 4), bytes as type 6. */
export function encodeMessage(headers: Record<string, HeaderValue>, payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, "utf8");
    parts.push(Buffer.from([nameBytes.length]), nameBytes);
    if (typeof value === "boolean") parts.push(Buffer.from([value ? 0 : 1]));
    else if (typeof value === "number") {
      const b = Buffer.alloc(5);
      b[0] = 4;
      b.writeInt32BE(value, 1);
      parts.push(b);
    } else {
      const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
      const head = Buffer.alloc(3);
      head[0] = typeof value === "string" ? 7 : 6;
      head.writeUInt16BE(bytes.length, 1);
      parts.push(head, bytes);
    }
  }
  const headerBytes = Buffer.concat(parts);
  const total = 12 + headerBytes.length + body.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headerBytes.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  headerBytes.copy(out, 12);
  body.copy(out, 12 + headerBytes.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return new Uint8Array(out);
}

/** A ConverseStream `event` message. */
export function event(type: string, payload: unknown): Uint8Array {
  return encodeMessage({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, JSON.stringify(payload));
}

/** A ConverseStream `exception` message (`:exception-type` is the member name, e.g. `throttlingException`). */
export function exception(type: string, message: string): Uint8Array {
  return encodeMessage({ ":exception-type": type, ":content-type": "application/json", ":message-type": "exception" }, JSON.stringify({ message }));
}

/** Concatenates messages into one body. */
export function concat(...messages: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(messages.map((m) => Buffer.from(m))));
}

/** A plain text answer as ConverseStream sends it (with the `p` padding field Bedrock adds). */
export function textStream(texts: string[], usage = { inputTokens: 12, outputTokens: 5, totalTokens: 17 }, stopReason = "end_turn"): Uint8Array[] {
  return [
    event("messageStart", { role: "assistant", p: "abcd" }),
    ...texts.map((text) => event("contentBlockDelta", { contentBlockIndex: 0, delta: { text }, p: "abcdefgh" })),
    event("contentBlockStop", { contentBlockIndex: 0, p: "ab" }),
    event("messageStop", { stopReason, p: "abc" }),
    event("metadata", { usage, metrics: { latencyMs: 321 }, p: "abcdef" }),
  ];
}

/** A tool-use answer: text, then one toolUse block whose input arrives in pieces. */
export function toolStream(): Uint8Array[] {
  return [
    event("messageStart", { role: "assistant" }),
    event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Let me check." } }),
    event("contentBlockStop", { contentBlockIndex: 0 }),
    event("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "tooluse_abc123", name: "get_weather" } } }),
    event("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
    event("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
    event("contentBlockStop", { contentBlockIndex: 1 }),
    event("messageStop", { stopReason: "tool_use" }),
    event("metadata", { usage: { inputTokens: 40, outputTokens: 22, totalTokens: 62 }, metrics: { latencyMs: 500 } }),
  ];
}
