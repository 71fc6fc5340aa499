/** Helpers to consume a transport body (`AsyncIterable<Uint8Array>`) fully: for JSON and binary responses only. */

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

/** Decodes chunks of one UTF-8 stream to text, releasing each chunk once decoded. */
export function decodeChunks(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  let text = "";
  for (let i = 0; i < chunks.length; i++) {
    text += decoder.decode(chunks[i], { stream: true });
    chunks[i] = EMPTY;
  }
  return text + decoder.decode();
}

const EMPTY = new Uint8Array(0);

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
