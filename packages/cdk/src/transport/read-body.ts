/** Helpers to consume a transport body (`AsyncIterable<Uint8Array>`) fully: for JSON and binary responses only. */

/** Reads a whole byte stream as UTF-8 text, decoding incrementally (multi-byte characters may straddle chunks). */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

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
